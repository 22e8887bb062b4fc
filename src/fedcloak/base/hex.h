// Lowercase hex encoding of bytes, for messages and ids (never for secrets).
#ifndef FEDCLOAK_BASE_HEX_H_
#define FEDCLOAK_BASE_HEX_H_

#include <cstdint>
#include <span>
#include <string>

namespace fedcloak {

std::string ToHex(std::span<const uint8_t> bytes);

}  // namespace fedcloak

#endif  // FEDCLOAK_BASE_HEX_H_
