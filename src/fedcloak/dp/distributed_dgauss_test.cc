#include "fedcloak/dp/distributed_dgauss.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <random>
#include <vector>

#include "fedcloak/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::dp {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

std::array<uint8_t, 32> Seed(uint8_t tag) {
  std::array<uint8_t, 32> s{};
  s[0] = tag;
  s[1] = 0xd9;
  return s;
}

double Norm(std::span<const double> v) {
  long double s = 0;
  for (double x : v) s += static_cast<long double>(x) * x;
  return static_cast<double>(std::sqrt(s));
}

DistributedDGaussParams BaseParams() {
  DistributedDGaussParams p;
  p.dimension = 1000;
  p.l2_clip = 1.0;
  p.noise_multiplier = 0.01;
  p.scale = 65536;
  p.expected_sites = 6;
  p.max_sites = 6;
  return p;
}

// Sums encodings mod 2^32 as secure aggregation would.
std::vector<uint32_t> SumMod(const std::vector<SecretVector<uint32_t>>& parts) {
  std::vector<uint32_t> sum(parts[0].size(), 0);
  for (const auto& part : parts) {
    for (size_t j = 0; j < sum.size(); ++j) sum[j] += part[j];
  }
  return sum;
}

TEST(DpClipTest, ClipsToTheBoundAndLeavesShortVectorsAlone) {
  const uint32_t seed = 5;
  SCOPED_TRACE(seed);
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> normal(0, 1);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<double> v(static_cast<size_t>(1 + trial * 7));
    for (double& x : v) x = normal(gen) * (trial % 5);
    const double clip = 0.5 + trial % 3;
    const std::vector<double> original = v;
    ClipToL2Norm(v, clip);
    EXPECT_LE(Norm(v), clip);
    if (Norm(original) <= clip) {
      EXPECT_EQ(v, original);  // bit-for-bit unchanged
    } else {
      EXPECT_NEAR(Norm(v), clip, 1e-12 * clip);
      for (size_t i = 0; i < v.size(); ++i) {
        EXPECT_NEAR(v[i], original[i] * clip / Norm(original), 1e-12);  // same direction
      }
    }
  }
}

TEST(DpRoundingTest, RoundedNormBoundKnownValues) {
  // beta = 0: norm + sqrt(d) = 10 + 10.
  EXPECT_DOUBLE_EQ(RoundedNormBound(10, 100, 0), 20);
  // beta = e^-1/2: sqrt(2 ln(1/beta)) = 1, so sqrt(100 + 100/4 + (10 + 5)) = sqrt(140).
  EXPECT_NEAR(RoundedNormBound(10, 100, std::exp(-0.5)), std::sqrt(140.0), 1e-12);
}

TEST(DpRoundingTest, ConditionalRoundingStaysWithinBoundAndIsUnbiased) {
  const uint8_t tag = 21;
  SCOPED_TRACE(tag);
  Prg rng(Seed(tag), "dp.test.rounding");
  std::mt19937_64 gen(tag);
  std::uniform_real_distribution<double> uniform(-5, 5);
  std::vector<double> x(2000);
  for (double& v : x) v = uniform(gen);
  const double bound = RoundedNormBound(Norm(x), x.size(), std::exp(-0.5));
  for (int trial = 0; trial < 100; ++trial) {
    auto r = ConditionalRandomizedRound(x, bound, rng);
    ASSERT_THAT(r, IsOk());
    long double s = 0;
    for (size_t j = 0; j < x.size(); ++j) {
      const int64_t v = (*r)[j];
      EXPECT_TRUE(static_cast<double>(v) == std::floor(x[j]) ||
                  static_cast<double>(v) == std::ceil(x[j]))
          << x[j] << " -> " << v;
      s += static_cast<long double>(v) * v;
    }
    EXPECT_LE(std::sqrt(static_cast<double>(s)), bound);
  }
  // Unbiased: 0.3 rounds up with probability 0.3 (5 standard errors).
  std::vector<double> tenths(100'000, 0.3);
  auto r = ConditionalRandomizedRound(tenths, 1e9, rng);
  ASSERT_THAT(r, IsOk());
  double ups = 0;
  for (int64_t v : *r) ups += static_cast<double>(v);
  EXPECT_NEAR(ups / 1e5, 0.3, 5 * std::sqrt(0.21 / 1e5));
  // An unreachable bound fails after max_attempts.
  EXPECT_THAT(ConditionalRandomizedRound(x, Norm(x) / 2, rng, /*max_attempts=*/5),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("5 attempts")));
}

TEST(DpDistributedDGaussTest, CreateValidatesParameters) {
  auto expect_bad = [](DistributedDGaussParams p, const char* field) {
    EXPECT_THAT(DistributedDGauss::Create(p),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(field)));
  };
  DistributedDGaussParams p = BaseParams();
  p.dimension = 0;
  expect_bad(p, "dimension");
  p = BaseParams();
  p.l2_clip = -1;
  expect_bad(p, "l2_clip");
  p = BaseParams();
  p.noise_multiplier = 0;
  expect_bad(p, "noise_multiplier");
  p = BaseParams();
  p.expected_sites = 7;
  expect_bad(p, "expected_sites");
  p = BaseParams();
  p.rounding_beta = 1;
  expect_bad(p, "rounding_beta");
  p = BaseParams();
  p.modulus_bits = 33;
  expect_bad(p, "modulus_bits");
  p = BaseParams();
  p.scale = 1;  // per-site sigma 0.004: below the sampler's minimum
  expect_bad(p, "per-site noise sigma");
  EXPECT_THAT(DistributedDGauss::Create(BaseParams()), IsOk());
}

TEST(DpDistributedDGaussTest, CapacityCheckIncludesTheNoiseTail) {
  for (bool rotate : {true, false}) {
    for (int bits : {32, 20}) {
      SCOPED_TRACE(fmt::format("rotate={} bits={}", rotate, bits));
      DistributedDGaussParams p = BaseParams();
      p.rotate = rotate;
      p.modulus_bits = bits;
      p.noise_multiplier = 0.5;
      p.expected_sites = 50;
      p.max_sites = 50;
      auto max_scale = DistributedDGauss::MaxScale(p);
      ASSERT_THAT(max_scale, IsOk());
      p.scale = *max_scale;
      auto ok = DistributedDGauss::Create(p);
      ASSERT_THAT(ok, IsOk());
      EXPECT_LT(ok->aggregate_bound(), std::ldexp(1.0, bits - 1));
      p.scale = *max_scale * 1.01;
      EXPECT_THAT(
          DistributedDGauss::Create(p),
          StatusIs(absl::StatusCode::kInvalidArgument,
                   AllOf(HasSubstr(fmt::format("modulus 2^{}", bits)), HasSubstr("50 sites"),
                         HasSubstr("noise"), HasSubstr("at probability 2^-64"))));
    }
  }
  // Even the rounding error of 200 sites does not fit 8 bits.
  DistributedDGaussParams p = BaseParams();
  p.modulus_bits = 8;
  p.max_sites = 200;
  EXPECT_THAT(DistributedDGauss::MaxScale(p), StatusIs(absl::StatusCode::kInvalidArgument));
}

// MaxScale's answer is always accepted by Create, also where the sampler's sigma range
// (not the modulus) binds. Regression: noise_multiplier 0.3 over 20 expected sites and
// 46,730 values gave a per-site sigma of 2^24 + 4e-9, just outside the range.
TEST(DpDistributedDGaussTest, MaxScaleIsAcceptedWheneverItExists) {
  int checked = 0;
  for (double z : {0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 3.0}) {
    for (uint32_t sites : {1u, 2u, 7u, 20u, 50u, 100u}) {
      for (uint64_t dim : {uint64_t{1000}, uint64_t{46730}}) {
        DistributedDGaussParams p = BaseParams();
        p.dimension = dim;
        p.noise_multiplier = z;
        p.expected_sites = sites;
        p.max_sites = std::max(sites, 20u);
        auto max_scale = DistributedDGauss::MaxScale(p);
        if (!max_scale.ok()) continue;
        p.scale = *max_scale;
        EXPECT_THAT(DistributedDGauss::Create(p), IsOk())
            << "z=" << z << " sites=" << sites << " dim=" << dim;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 80);
}

// Aggregation of zero updates leaves only the noise: its variance per coordinate must
// be (noise_multiplier * C)^2 (5 standard errors, se = sqrt(2 / d)).
TEST(DpDistributedDGaussTest, AggregatedNoiseHasTheConfiguredVariance) {
  for (bool rotate : {true, false}) {
    DistributedDGaussParams p;
    p.dimension = 30'000;
    p.l2_clip = 2.0;
    p.noise_multiplier = 0.8;
    p.scale = 3000;
    p.expected_sites = 10;
    p.max_sites = 10;
    p.rotate = rotate;
    auto mech = DistributedDGauss::Create(p);
    ASSERT_THAT(mech, IsOk());
    const uint8_t tag = 31;
    SCOPED_TRACE(fmt::format("rotate={} seed tag={}", rotate, tag));
    Prg rng(Seed(tag), "dp.test.noise");
    const std::vector<double> zeros(p.dimension, 0.0);
    std::vector<SecretVector<uint32_t>> parts;
    for (uint32_t site = 0; site < p.expected_sites; ++site) {
      auto enc = mech->EncodeSiteUpdate(zeros, Seed(99), rng);
      ASSERT_THAT(enc, IsOk());
      parts.push_back(*std::move(enc));
    }
    auto sum = mech->DecodeAggregate(SumMod(parts), Seed(99));
    ASSERT_THAT(sum, IsOk());
    ASSERT_EQ(sum->size(), p.dimension);
    double mean = 0, second = 0;
    for (double v : *sum) {
      mean += v;
      second += v * v;
    }
    const double n = static_cast<double>(p.dimension);
    mean /= n;
    const double variance = second / n - mean * mean;
    const double target = std::pow(p.noise_multiplier * p.l2_clip, 2);
    EXPECT_NEAR(mean, 0, 5 * std::sqrt(target / n));
    EXPECT_NEAR(variance, target, 5 * target * std::sqrt(2 / n));
  }
}

TEST(DpDistributedDGaussTest, DecodedSumMatchesTheClippedSum) {
  for (bool rotate : {true, false}) {
    DistributedDGaussParams p = BaseParams();
    p.rotate = rotate;
    auto mech = DistributedDGauss::Create(p);
    ASSERT_THAT(mech, IsOk());
    const uint32_t seed = 77;
    SCOPED_TRACE(fmt::format("rotate={} seed={}", rotate, seed));
    std::mt19937_64 gen(seed);
    std::normal_distribution<double> normal(0, 1);
    Prg rng(Seed(static_cast<uint8_t>(seed)), "dp.test.roundtrip");
    std::vector<double> expected(p.dimension, 0.0);
    std::vector<SecretVector<uint32_t>> parts;
    for (uint32_t site = 0; site < p.max_sites; ++site) {
      std::vector<double> update(p.dimension);
      const double target_norm = 0.25 + 0.5 * site;  // some below C = 1, some above
      for (double& x : update) x = normal(gen);
      const double n0 = Norm(update);
      for (double& x : update) x *= target_norm / n0;
      auto enc = mech->EncodeSiteUpdate(update, Seed(5), rng);
      ASSERT_THAT(enc, IsOk());
      ASSERT_EQ(enc->size(), mech->encoded_dimension());
      parts.push_back(*std::move(enc));
      ClipToL2Norm(update, p.l2_clip);
      for (size_t j = 0; j < update.size(); ++j) expected[j] += update[j];
    }
    auto sum = mech->DecodeAggregate(SumMod(parts), Seed(5));
    ASSERT_THAT(sum, IsOk());
    double err2 = 0;
    for (size_t j = 0; j < expected.size(); ++j) {
      err2 += std::pow((*sum)[j] - expected[j], 2);
    }
    const double rms = std::sqrt(err2 / static_cast<double>(expected.size()));
    // Noise std z C = 0.01 dominates; rounding adds at most sqrt(6 / 4) / 65536.
    EXPECT_GT(rms, 0.8 * p.noise_multiplier * p.l2_clip);
    EXPECT_LT(rms, 1.2 * p.noise_multiplier * p.l2_clip);
  }
}

TEST(DpDistributedDGaussTest, EncodingIsTwosComplementModTwoToTheBits) {
  DistributedDGaussParams p = BaseParams();
  p.rotate = false;
  p.dimension = 4;
  p.noise_multiplier = 1e-3;  // sigma per site 65536e-3 / sqrt(6) ~ 27 integer units
  auto mech = DistributedDGauss::Create(p);
  ASSERT_THAT(mech, IsOk());
  Prg rng(Seed(8), "dp.test.twos");
  const std::vector<double> update = {-0.5, 0.5, 0.0, 0.25};
  auto enc = mech->EncodeSiteUpdate(update, Seed(1), rng);
  ASSERT_THAT(enc, IsOk());
  const std::vector<int64_t> centers = {-32768, 32768, 0, 16384};
  for (size_t j = 0; j < 4; ++j) {
    const int64_t lifted = static_cast<int32_t>((*enc)[j]);
    EXPECT_NEAR(static_cast<double>(lifted), static_cast<double>(centers[j]), 300) << j;
  }
  EXPECT_GE((*enc)[0], 0x80000000u);  // negative values wrap to the upper half
}

TEST(DpDistributedDGaussTest, RejectsMalformedInputs) {
  auto mech = DistributedDGauss::Create(BaseParams());
  ASSERT_THAT(mech, IsOk());
  Prg rng(Seed(2), "dp.test.bad");
  std::vector<double> short_update(999, 0.0);
  EXPECT_THAT(mech->EncodeSiteUpdate(short_update, Seed(1), rng),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("999")));
  std::vector<double> nan_update(1000, 0.0);
  nan_update[17] = std::nan("");
  EXPECT_THAT(mech->EncodeSiteUpdate(nan_update, Seed(1), rng),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("coordinate 17")));
  std::vector<uint32_t> wrong(1000, 0);  // encoded dimension is 1024
  EXPECT_THAT(mech->DecodeAggregate(wrong, Seed(1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1024")));
  EXPECT_THAT(mech->RoundPrivacy(0), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(DpDistributedDGaussTest, RoundPrivacyUsesTheRoundedSensitivity) {
  auto mech = DistributedDGauss::Create(BaseParams());
  ASSERT_THAT(mech, IsOk());
  auto r = mech->RoundPrivacy(6);
  ASSERT_THAT(r, IsOk());
  const double bound = RoundedNormBound(65536.0, 1024, std::exp(-0.5));
  EXPECT_DOUBLE_EQ(mech->rounded_norm_bound(), bound);
  EXPECT_NEAR(r->l2_scale, bound / (std::sqrt(6.0) * mech->site_sigma()), 1e-12);
  EXPECT_NEAR(r->l1_scale, bound * 32 / (std::sqrt(6.0) * mech->site_sigma()), 1e-9);
  EXPECT_EQ(r->dimension, 1024);
  EXPECT_NEAR(r->tau, DdgTau(mech->site_sigma(), 6), 1e-300);
}

}  // namespace
}  // namespace fedcloak::dp
