#include "fedcloak/crypto/rlwe/bit_packing.h"

#include <fmt/format.h>

#include <cstring>

#include "fedcloak/base/check.h"

namespace fedcloak::crypto {
namespace {

using uint128_t = unsigned __int128;

inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

}  // namespace

void PackBits(std::span<const uint64_t> values, int width, uint8_t* out) {
  FEDCLOAK_CHECK(width >= 1 && width <= 64);
  uint128_t acc = 0;
  int bits = 0;
  uint8_t* p = out;
  for (uint64_t v : values) {
    acc |= static_cast<uint128_t>(v) << bits;
    bits += width;
    if (bits >= 64) {
      const uint64_t word = static_cast<uint64_t>(acc);
      std::memcpy(p, &word, sizeof(word));
      p += 8;
      acc >>= 64;
      bits -= 64;
    }
  }
  while (bits > 0) {
    *p++ = static_cast<uint8_t>(acc);
    acc >>= 8;
    bits -= 8;
  }
  FEDCLOAK_CHECK(static_cast<size_t>(p - out) == PackedSize(values.size(), width));
}

void AppendPackedBits(std::span<const uint64_t> values, int width, std::vector<uint8_t>* out) {
  const size_t start = out->size();
  out->resize(start + PackedSize(values.size(), width));
  PackBits(values, width, out->data() + start);
}

absl::Status UnpackBits(std::span<const uint8_t> bytes, int width, uint64_t max_value,
                        std::span<uint64_t> out, std::string_view field) {
  FEDCLOAK_CHECK(width >= 1 && width <= 64);
  const size_t expected = PackedSize(out.size(), width);
  if (bytes.size() != expected) {
    return absl::DataLossError(
        fmt::format("{}: {} packed bytes, expected {} for {} values of {} bits", field,
                    bytes.size(), expected, out.size(), width));
  }
  const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
  const size_t count = out.size();
  // Values whose 16-byte window lies inside the buffer take the fast path.
  size_t fast = 0;
  if (bytes.size() >= 16) {
    const size_t limit_bits = (bytes.size() - 16) * 8;
    fast = std::min(count, limit_bits / static_cast<size_t>(width) + 1);
  }
  uint64_t too_large = 0;
  const uint8_t* data = bytes.data();
  for (size_t j = 0; j < fast; ++j) {
    const size_t bit = j * static_cast<size_t>(width);
    const uint8_t* p = data + (bit >> 3);
    const uint128_t window = (static_cast<uint128_t>(Load64(p + 8)) << 64) | Load64(p);
    const uint64_t v = static_cast<uint64_t>(window >> (bit & 7)) & mask;
    too_large |= static_cast<uint64_t>(v > max_value);
    out[j] = v;
  }
  for (size_t j = fast; j < count; ++j) {
    const size_t bit = j * static_cast<size_t>(width);
    uint8_t tmp[16] = {};
    const size_t start = bit >> 3;
    std::memcpy(tmp, data + start, std::min<size_t>(16, bytes.size() - start));
    const uint128_t window = (static_cast<uint128_t>(Load64(tmp + 8)) << 64) | Load64(tmp);
    const uint64_t v = static_cast<uint64_t>(window >> (bit & 7)) & mask;
    too_large |= static_cast<uint64_t>(v > max_value);
    out[j] = v;
  }
  const size_t used_bits = count * static_cast<size_t>(width);
  if (used_bits % 8 != 0 && (bytes.back() >> (used_bits % 8)) != 0) {
    return absl::DataLossError(fmt::format("{}: padding bits are not zero", field));
  }
  if (too_large != 0) {
    for (size_t j = 0; j < count; ++j) {
      if (out[j] > max_value) {
        return absl::DataLossError(
            fmt::format("{}: value {} at index {} exceeds {}", field, out[j], j, max_value));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace fedcloak::crypto
