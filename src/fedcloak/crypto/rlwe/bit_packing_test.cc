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
