#include "fedcloak/crypto/rlwe/bit_packing.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "fedcloak/base/check.h"
#include "fedcloak/crypto/rlwe/ntt_avx512.h"
#include "fedcloak/crypto/rlwe/rlwe_kernels_avx512.h"

namespace fedcloak::crypto {
namespace {

using uint128_t = unsigned __int128;

inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// Blocks of 64 values of a compile-time width W fill exactly W words, so every shift
// and word index below is a constant: straight-line code, no per-value branches.
constexpr size_t kBlock = 64;

template <int W, size_t J>
inline void PackOne(uint64_t v, uint64_t* words) {
  constexpr size_t kBit = J * static_cast<size_t>(W);
  constexpr unsigned kShift = kBit % 64;
  words[kBit / 64] |= v << kShift;
  if constexpr (kShift + W > 64) words[kBit / 64 + 1] |= v >> (64 - kShift);
}

template <int W, size_t... J>
void PackBlock(const uint64_t* values, uint8_t* out, std::index_sequence<J...>) {
  uint64_t words[static_cast<size_t>(W)] = {};
  (PackOne<W, J>(values[J], words), ...);
  std::memcpy(out, words, sizeof(words));
}

template <int W, size_t J>
inline uint64_t UnpackOne(const uint64_t* words) {
  constexpr size_t kBit = J * static_cast<size_t>(W);
  constexpr unsigned kShift = kBit % 64;
  constexpr uint64_t kMask = W == 64 ? ~uint64_t{0} : (uint64_t{1} << W) - 1;
  uint64_t v = words[kBit / 64] >> kShift;
  if constexpr (kShift + W > 64) v |= words[kBit / 64 + 1] << (64 - kShift);
  return v & kMask;
}

// Returns nonzero if a value exceeds max_value (checked branch-free).
template <int W, size_t... J>
uint64_t UnpackBlock(const uint8_t* in, uint64_t max_value, uint64_t* out,
                     std::index_sequence<J...>) {
  uint64_t words[static_cast<size_t>(W)];
  std::memcpy(words, in, sizeof(words));
  ((out[J] = UnpackOne<W, J>(words)), ...);
  if (internal::Avx512Supported()) return 0;  // UnpackBits checks all blocks at once
  uint64_t too_large = 0;
  for (size_t j = 0; j < kBlock; ++j) too_large |= static_cast<uint64_t>(out[j] > max_value);
  return too_large;
}

using PackBlockFn = void (*)(const uint64_t*, uint8_t*);
using UnpackBlockFn = uint64_t (*)(const uint8_t*, uint64_t, uint64_t*);

template <int W>
void PackBlockW(const uint64_t* values, uint8_t* out) {
  PackBlock<W>(values, out, std::make_index_sequence<kBlock>());
}
template <int W>
uint64_t UnpackBlockW(const uint8_t* in, uint64_t max_value, uint64_t* out) {
  return UnpackBlock<W>(in, max_value, out, std::make_index_sequence<kBlock>());
}

// Indexed by width - 1.
template <size_t... I>
constexpr std::array<PackBlockFn, 64> MakePackTable(std::index_sequence<I...>) {
  return {&PackBlockW<static_cast<int>(I) + 1>...};
}
template <size_t... I>
constexpr std::array<UnpackBlockFn, 64> MakeUnpackTable(std::index_sequence<I...>) {
  return {&UnpackBlockW<static_cast<int>(I) + 1>...};
}
constexpr std::array<PackBlockFn, 64> kPackBlock = MakePackTable(std::make_index_sequence<64>());
constexpr std::array<UnpackBlockFn, 64> kUnpackBlock =
    MakeUnpackTable(std::make_index_sequence<64>());

}  // namespace

void PackBits(std::span<const uint64_t> values, int width, uint8_t* out) {
  FEDCLOAK_CHECK(width >= 1 && width <= 64);
  // Whole blocks of 64 values (8 * width bytes each), then the rest bit by bit.
  const size_t blocks = values.size() / kBlock;
  const PackBlockFn pack_block = kPackBlock[static_cast<size_t>(width - 1)];
  const size_t block_bytes = 8 * static_cast<size_t>(width);
  for (size_t b = 0; b < blocks; ++b) pack_block(values.data() + b * kBlock, out + b * block_bytes);
  uint128_t acc = 0;
  int bits = 0;
  uint8_t* p = out + blocks * block_bytes;
  for (uint64_t v : values.subspan(blocks * kBlock)) {
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
  uint64_t too_large = 0;
  const uint8_t* data = bytes.data();
  // Whole blocks of 64 values first.
  const size_t blocks = count / kBlock;
  const UnpackBlockFn unpack_block = kUnpackBlock[static_cast<size_t>(width - 1)];
  const size_t block_bytes = 8 * static_cast<size_t>(width);
  for (size_t b = 0; b < blocks; ++b) {
    too_large |= unpack_block(data + b * block_bytes, max_value, out.data() + b * kBlock);
  }
  if (blocks > 0 && internal::Avx512Supported()) {
    too_large |=
        static_cast<uint64_t>(internal::AnyAboveAvx512(out.data(), blocks * kBlock, max_value));
  }
  // Values whose 16-byte window lies inside the buffer take the fast path.
  size_t fast = blocks * kBlock;
  if (bytes.size() >= 16) {
    const size_t limit_bits = (bytes.size() - 16) * 8;
    fast = std::max(fast, std::min(count, limit_bits / static_cast<size_t>(width) + 1));
  }
  for (size_t j = blocks * kBlock; j < fast; ++j) {
    const size_t bit = j * static_cast<size_t>(width);
    const uint8_t* p = data + (bit >> 3);
    const uint128_t window = (static_cast<uint128_t>(Load64(p + 8)) << 64) | Load64(p);
    const uint64_t v = static_cast<uint64_t>(window >> (bit & 7)) & mask;
    too_large |= static_cast<uint64_t>(v > max_value);
    out[j] = v;
  }
  for (size_t j = std::max(fast, blocks * kBlock); j < count; ++j) {
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
