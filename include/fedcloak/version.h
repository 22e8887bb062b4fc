// fedcloak's version, part of the public API.
#ifndef FEDCLOAK_VERSION_H_
#define FEDCLOAK_VERSION_H_

#include <string_view>

namespace fedcloak {

inline constexpr int kVersionMajor = 0;
inline constexpr int kVersionMinor = 1;
inline constexpr int kVersionPatch = 0;
inline constexpr std::string_view kVersionString = "0.1.0";

}  // namespace fedcloak

#endif  // FEDCLOAK_VERSION_H_
