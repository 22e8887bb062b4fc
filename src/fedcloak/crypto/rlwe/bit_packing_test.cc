#include "fedcloak/crypto/rlwe/bit_packing.h"

#include <gtest/gtest.h>

#include <random>

#include "fedcloak/base/status_matchers.h"

namespace fedcloak::crypto {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;

TEST(RlweBitPackingTest, RoundTripsEveryWidth) {
  const uint64_t seed = 5;
  std::mt19937_64 gen(seed);
  for (int width = 1; width <= 64; ++width) {
    for (size_t count : {1u, 7u, 33u, 4096u}) {
      const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
      std::vector<uint64_t> values(count);
      for (auto& v : values) v = gen() & mask;
      std::vector<uint8_t> packed;
      AppendPackedBits(values, width, &packed);
      ASSERT_EQ(packed.size(), PackedSize(count, width));
      std::vector<uint64_t> back(count);
      ASSERT_THAT(UnpackBits(packed, width, mask, back, "test"), IsOk());
      ASSERT_EQ(back, values) << "width " << width << " count " << count << " seed " << seed;
    }
  }
}

// The block-of-64 fast paths against a bit-by-bit reference of the documented layout
// (value j occupies bits [j * width, (j + 1) * width)), for counts with and without a
// partial block, and range checks that fire inside a block.
TEST(RlweBitPackingTest, FastPathsMatchBitByBitLayout) {
  const uint64_t seed = 11;
  std::mt19937_64 gen(seed);
  for (int width = 1; width <= 64; ++width) {
    for (size_t count : {64u, 130u, 4096u}) {
      const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
      std::vector<uint64_t> values(count);
      for (auto& v : values) v = gen() & mask;
      std::vector<uint8_t> reference(PackedSize(count, width), 0);
      for (size_t j = 0; j < count; ++j) {
        for (int b = 0; b < width; ++b) {
          const size_t bit = j * static_cast<size_t>(width) + static_cast<size_t>(b);
          reference[bit / 8] |= static_cast<uint8_t>(((values[j] >> b) & 1) << (bit % 8));
        }
      }
      std::vector<uint8_t> packed;
      AppendPackedBits(values, width, &packed);
      ASSERT_EQ(packed, reference) << "width " << width << " count " << count << " seed " << seed;
      if (width == 1) continue;
      // A value above max_value in the middle of the first block is reported by index.
      std::vector<uint64_t> back(count);
      for (auto& v : values) v %= mask;
      values[37] = mask;
      packed.clear();
      AppendPackedBits(values, width, &packed);
      EXPECT_THAT(UnpackBits(packed, width, mask - 1, back, "test"),
                  StatusIs(absl::StatusCode::kDataLoss, ::testing::HasSubstr("index 37")))
          << "width " << width;
    }
  }
}

// Hand-computed: 3-bit values 5, 3, 7 -> bits 101 | 011 << 3 | 111 << 6 = 0b111011101
// = 0x1dd -> bytes dd 01.
TEST(RlweBitPackingTest, KnownLayout) {
  std::vector<uint8_t> packed;
  AppendPackedBits(std::vector<uint64_t>{5, 3, 7}, 3, &packed);
  EXPECT_EQ(packed, (std::vector<uint8_t>{0xdd, 0x01}));
}

TEST(RlweBitPackingTest, RejectsOutOfRangeSizeAndPadding) {
  std::vector<uint8_t> packed;
  AppendPackedBits(std::vector<uint64_t>{5, 3, 7}, 3, &packed);
  std::vector<uint64_t> out(3);
  EXPECT_THAT(UnpackBits(packed, 3, 6, out, "test"),
              StatusIs(absl::StatusCode::kDataLoss, ::testing::HasSubstr("index 2")));
  packed[1] |= 0x80;  // padding bit
  EXPECT_THAT(UnpackBits(packed, 3, 7, out, "test"), StatusIs(absl::StatusCode::kDataLoss));
  packed.pop_back();
  EXPECT_THAT(UnpackBits(packed, 3, 7, out, "test"), StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace fedcloak::crypto
