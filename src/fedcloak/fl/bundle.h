// A bundle: several blobs carried as one task payload (for example a protocol stage
// message together with the model broadcast). Itself a blob of kind 0x0330 whose payload
// is a u32 count followed by that many u32-length-prefixed parts.
#ifndef FEDCLOAK_FL_BUNDLE_H_
#define FEDCLOAK_FL_BUNDLE_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/base/blob.h"

namespace fedcloak::fl {

inline constexpr ObjectKind kBundleKind = 0x0330;
// Enough for one key-share envelope per party of the largest federation.
inline constexpr uint32_t kMaxBundleParts = 100000;

std::vector<uint8_t> EncodeBundle(std::span<const std::vector<uint8_t>> parts);

// Views into `blob`. DataLoss for malformed bytes; InvalidArgument unless exactly
// `expected_parts` parts are present.
absl::StatusOr<std::vector<std::span<const uint8_t>>> DecodeBundle(std::span<const uint8_t> blob,
                                                                   uint32_t expected_parts);

// As above for a bundle of any number of parts (at most kMaxBundleParts).
absl::StatusOr<std::vector<std::span<const uint8_t>>> DecodeBundleAny(
    std::span<const uint8_t> blob);

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_BUNDLE_H_
