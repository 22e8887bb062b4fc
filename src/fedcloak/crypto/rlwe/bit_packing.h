// Bit packing of polynomial coefficients for the wire: `count` values of `width` bits
// each, little-endian bit order (value j occupies bits [j * width, (j + 1) * width) of
// the byte string read as one little-endian integer), ceil(count * width / 8) bytes.
#ifndef FEDCLOAK_CRYPTO_RLWE_BIT_PACKING_H_
#define FEDCLOAK_CRYPTO_RLWE_BIT_PACKING_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace fedcloak::crypto {

inline constexpr size_t PackedSize(size_t count, int width) {
  return (count * static_cast<size_t>(width) + 7) / 8;
}

// Writes PackedSize(values.size(), width) bytes at `out`. REQUIRES 1 <= width <= 64 and
// every value < 2^width.
void PackBits(std::span<const uint64_t> values, int width, uint8_t* out);
// Appends the packed bytes to `out`.
void AppendPackedBits(std::span<const uint64_t> values, int width, std::vector<uint8_t>* out);

// Reads out.size() values from exactly PackedSize(out.size(), width) bytes. DataLoss,
// naming `field`, if the size differs, if padding bits are set, or if a value is
// > `max_value`.
absl::Status UnpackBits(std::span<const uint8_t> bytes, int width, uint64_t max_value,
                        std::span<uint64_t> out, std::string_view field);

}  // namespace fedcloak::crypto

#endif  // FEDCLOAK_CRYPTO_RLWE_BIT_PACKING_H_
