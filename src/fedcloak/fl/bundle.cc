#include "fedcloak/fl/bundle.h"

#include <fmt/format.h>

#include "fedcloak/base/bytes.h"
#include "fedcloak/base/check.h"
#include "fedcloak/base/status.h"

namespace fedcloak::fl {

std::vector<uint8_t> EncodeBundle(std::span<const std::vector<uint8_t>> parts) {
  FEDCLOAK_CHECK(parts.size() <= kMaxBundleParts, "too many bundle parts");
  size_t total = 4;
  for (const auto& p : parts) {
    FEDCLOAK_CHECK(p.size() <= UINT32_MAX, "bundle part over 4 GiB");
    total += 4 + p.size();
  }
  BlobHeader h;
  h.kind = kBundleKind;
  h.payload_length = total;
  std::vector<uint8_t> out;
  out.reserve(kBlobHeaderSize + total);
  AppendBlobHeader(h, &out);
  ByteWriter w(&out);
  w.PutU32(static_cast<uint32_t>(parts.size()));
  for (const auto& p : parts) w.PutLengthPrefixed(p);
  return out;
}

absl::StatusOr<std::vector<std::span<const uint8_t>>> DecodeBundle(std::span<const uint8_t> blob,
                                                                   uint32_t expected_parts) {
  FEDCLOAK_ASSIGN_OR_RETURN(auto parts, DecodeBundleAny(blob));
  if (parts.size() != expected_parts) {
    return absl::InvalidArgumentError(
        fmt::format("bundle has {} parts, expected {}", parts.size(), expected_parts));
  }
  return parts;
}

absl::StatusOr<std::vector<std::span<const uint8_t>>> DecodeBundleAny(
    std::span<const uint8_t> blob) {
  FEDCLOAK_ASSIGN_OR_RETURN(BlobView view, ParseBlob(blob));
  BlobExpectation e;
  e.kind = kBundleKind;
  FEDCLOAK_RETURN_IF_ERROR(CheckBlobHeader(view.header, e));
  ByteReader r(view.payload);
  uint32_t count = 0;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU32("bundle part count", &count));
  // Every part needs at least its 4-byte length: bound the count before allocating.
  if (count > kMaxBundleParts || count > r.remaining() / 4) {
    return absl::DataLossError(
        fmt::format("bundle part count {} is impossible for {} bytes", count, r.remaining()));
  }
  std::vector<std::span<const uint8_t>> parts(count);
  for (uint32_t i = 0; i < count; ++i) {
    FEDCLOAK_RETURN_IF_ERROR(
        r.ReadLengthPrefixed(fmt::format("bundle part {}", i), r.remaining(), &parts[i]));
  }
  FEDCLOAK_RETURN_IF_ERROR(r.ExpectEnd("bundle"));
  return parts;
}

}  // namespace fedcloak::fl
