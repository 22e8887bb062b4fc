#include "fedcloak/crypto/fixed_point.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "fedcloak/base/prg.h"
#include "fedcloak/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::crypto {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

Prg SeededPrg(uint64_t seed) {
  std::array<uint8_t, 32> key{};
  std::memcpy(key.data(), &seed, sizeof(seed));
  return Prg(key, "fixed_point_test");
}

TEST(FixedPointCodecTest, CreateRejectsBadParameters) {
  EXPECT_THAT(FixedPointCodec::Create(0, 1, 1), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(FixedPointCodec::Create(-1, 1, 1), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(FixedPointCodec::Create(std::nan(""), 1, 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(FixedPointCodec::Create(1, 0, 1), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(FixedPointCodec::Create(1, INFINITY, 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(FixedPointCodec::Create(1, 1, 0), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(FixedPointCodecTest, CapacityCheckNamesTheNumbers) {
  // 1024 * ceil(1 * 2^21) = 2^31: just over.
  EXPECT_THAT(FixedPointCodec::Create(1.0, 2097152.0, 1024),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("1024"), HasSubstr("2097152"), HasSubstr("2^31"))));
  // 1023 * 2^21 < 2^31: fits.
  EXPECT_THAT(FixedPointCodec::Create(1.0, 2097152.0, 1023), IsOk());
  // ceil(clip * scale) is what counts: 0.5000001 * 4 -> 3 units, 3 * 715827883 > 2^31.
  EXPECT_THAT(FixedPointCodec::Create(0.5000001, 4.0, 715827883),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(FixedPointCodec::Create(0.5000001, 4.0, 715827882), IsOk());
  EXPECT_THAT(FixedPointCodec::Create(1e300, 1e300, 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(FixedPointCodecTest, ExtremeAndNonFiniteValues) {
  auto codec = FixedPointCodec::Create(2.0, 1000.0, 100);
  ASSERT_THAT(codec, IsOk());
  Prg rng = SeededPrg(3);
  const std::vector<float> values = {2.0f, -2.0f, 5.0f, -1e30f, INFINITY, -INFINITY, NAN, 0.0f};
  std::vector<uint32_t> enc(values.size());
  codec->Encode(values, 7, rng, enc);
  // Integers after scaling round exactly: 2 * 7 * 1000 = 14000.
  EXPECT_EQ(enc[0], 14000u);
  EXPECT_EQ(enc[1], static_cast<uint32_t>(-14000));
  EXPECT_EQ(enc[2], 14000u);                         // clipped
  EXPECT_EQ(enc[3], static_cast<uint32_t>(-14000));  // clipped
  EXPECT_EQ(enc[4], 14000u);                         // +inf clips to +clip
  EXPECT_EQ(enc[5], static_cast<uint32_t>(-14000));  // -inf clips to -clip
  EXPECT_EQ(enc[6], 0u);                             // NaN encodes as 0
  EXPECT_EQ(enc[7], 0u);
  std::vector<double> dec(values.size());
  codec->Decode(enc, dec);
  EXPECT_EQ(dec[0], 14.0);
  EXPECT_EQ(dec[1], -14.0);
  EXPECT_EQ(dec[6], 0.0);
}

TEST(FixedPointCodecTest, FullCapacitySumDecodes) {
  // max_total_weight sites at +clip: the sum reaches the capacity limit without wrapping.
  const uint64_t max_weight = 1023;
  auto codec = FixedPointCodec::Create(1.0, 2097152.0, max_weight);
  ASSERT_THAT(codec, IsOk());
  Prg rng = SeededPrg(4);
  const std::vector<float> values = {1.0f, -1.0f};
  std::vector<uint32_t> enc(2);
  codec->Encode(values, static_cast<uint32_t>(max_weight), rng, enc);
  std::vector<double> dec(2);
  codec->Decode(enc, dec);
  EXPECT_EQ(dec[0], 1023.0);
  EXPECT_EQ(dec[1], -1023.0);
}

TEST(FixedPointCodecTest, WeightedSumWithinQuantizationBound) {
  const uint64_t seed = 11;
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  auto codec = FixedPointCodec::Create(0.5, 1 << 16, 10000);
  ASSERT_THAT(codec, IsOk());
  Prg rng = SeededPrg(seed);
  const size_t n = 1000;
  const int sites = 20;
  std::vector<uint32_t> sum(n, 0);
  std::vector<double> exact(n, 0.0);
  uint64_t total_weight = 0;
  for (int s = 0; s < sites; ++s) {
    const auto weight = static_cast<uint32_t>(1 + rng.UniformBelow(400));
    total_weight += weight;
    std::vector<float> values(n);
    for (auto& v : values) {
      v = static_cast<float>(static_cast<double>(rng.NextU32()) / 4294967296.0 * 1.4 - 0.7);
    }
    std::vector<uint32_t> enc(n);
    codec->Encode(values, weight, rng, enc);
    for (size_t i = 0; i < n; ++i) {
      sum[i] += enc[i];
      exact[i] += weight * std::clamp(static_cast<double>(values[i]), -0.5, 0.5);
    }
  }
  std::vector<double> dec(n);
  codec->Decode(sum, dec);
  // quantization_bound is the worst case (one unit per site, counted per unit of weight).
  const double bound = codec->quantization_bound(total_weight);
  EXPECT_EQ(bound, static_cast<double>(total_weight) / 65536.0);
  double worst = 0;
  for (size_t i = 0; i < n; ++i) worst = std::max(worst, std::abs(dec[i] - exact[i]));
  EXPECT_LE(worst, bound);
  // Sharper: at most one unit per site.
  EXPECT_LE(worst, sites / 65536.0);
}

TEST(FixedPointCodecTest, StochasticRoundingIsUnbiased) {
  // 0.3 with scale 1: each encoding is 0 or 1, 1 with probability 0.3. Over 200000
  // draws the mean has standard deviation sqrt(0.21 / 200000) = 0.00102; allow 5 sigma.
  // The same for -0.3 (floor is -1: -1 w.p. 0.3, 0 w.p. 0.7) and 0.85 with weight 3
  // (2.55: 2 or 3).
  struct Case {
    float value;
    uint32_t weight;
    double expected;
    double sigma;
  };
  const uint64_t seed = 12;
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  Prg rng = SeededPrg(seed);
  auto codec = FixedPointCodec::Create(1.0, 1.0, 10);
  ASSERT_THAT(codec, IsOk());
  const size_t n = 200000;
  for (const Case& c : {Case{0.3f, 1, 0.3, 0.00102}, Case{-0.3f, 1, -0.3, 0.00102},
                        Case{0.85f, 3, 2.55, 0.00111}}) {
    std::vector<float> values(n, c.value);
    std::vector<uint32_t> enc(n);
    codec->Encode(values, c.weight, rng, enc);
    const double x = static_cast<double>(c.value) * c.weight;
    double mean = 0;
    for (uint32_t e : enc) {
      const auto v = static_cast<int32_t>(e);
      ASSERT_TRUE(v == std::floor(x) || v == std::floor(x) + 1) << v;
      mean += v;
    }
    mean /= static_cast<double>(n);
    EXPECT_NEAR(mean, x, 5 * c.sigma) << "value " << c.value;
  }
}

TEST(FixedPointCodecDeathTest, EncodeRequiresValidWeightAndSizes) {
  auto codec = FixedPointCodec::Create(1.0, 1.0, 10);
  ASSERT_THAT(codec, IsOk());
  Prg rng = SeededPrg(1);
  std::vector<float> values(3);
  std::vector<uint32_t> out(3), short_out(2);
  EXPECT_DEATH(codec->Encode(values, 11, rng, out), "weight");
  EXPECT_DEATH(codec->Encode(values, 0, rng, out), "weight");
  EXPECT_DEATH(codec->Encode(values, 1, rng, short_out), "size");
}

}  // namespace
}  // namespace fedcloak::crypto
