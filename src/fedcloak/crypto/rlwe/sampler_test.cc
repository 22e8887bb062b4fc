#include "fedcloak/crypto/rlwe/sampler.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <vector>

namespace fedcloak::crypto {
namespace {

Prg SeededPrg(uint8_t seed) {
  std::array<uint8_t, 32> key{};
  key[0] = seed;
  return Prg(key, "rlwe.sampler.test");
}

struct Moments {
  double mean = 0, variance = 0;
  int64_t min = 0, max = 0;
};

Moments Measure(const std::vector<int64_t>& v) {
  Moments m;
  m.min = m.max = v[0];
  for (int64_t x : v) {
    m.mean += static_cast<double>(x);
    m.min = std::min(m.min, x);
    m.max = std::max(m.max, x);
  }
  m.mean /= static_cast<double>(v.size());
  for (int64_t x : v)
    m.variance += (static_cast<double>(x) - m.mean) * (static_cast<double>(x) - m.mean);
  m.variance /= static_cast<double>(v.size());
  return m;
}

// 2^18 samples: the standard error of the mean is sigma / 512, of the variance about
// var * sqrt(2 / 2^18); the tolerances below are > 6 standard errors.
constexpr size_t kSamples = size_t{1} << 18;

TEST(RlweSamplerTest, TernaryIsUniformOnMinusOneZeroOne) {
  Prg prg = SeededPrg(1);
  std::vector<int64_t> v(kSamples);
  SampleTernary(prg, v);
  const Moments m = Measure(v);
  EXPECT_EQ(m.min, -1);
  EXPECT_EQ(m.max, 1);
  EXPECT_NEAR(m.mean, 0.0, 0.01) << "seed 1";
  EXPECT_NEAR(m.variance, 2.0 / 3.0, 0.012) << "seed 1";
  size_t zeros = 0;
  for (int64_t x : v) zeros += x == 0;
  EXPECT_NEAR(static_cast<double>(zeros) / kSamples, 1.0 / 3.0, 0.006);
}

TEST(RlweSamplerTest, CenteredBinomialHasSigma3Point24) {
  Prg prg = SeededPrg(2);
  std::vector<int64_t> v(kSamples);
  SampleCenteredBinomial(prg, v);
  const Moments m = Measure(v);
  EXPECT_GE(m.min, -kRlweErrorEta);
  EXPECT_LE(m.max, kRlweErrorEta);
  EXPECT_NEAR(m.mean, 0.0, 0.04) << "seed 2";
  EXPECT_NEAR(m.variance, kRlweErrorEta / 2.0, 0.2) << "seed 2";
  // Tails exist (|e| >= 10 has probability ~ 0.2%) but the support is bounded.
  EXPECT_GE(m.max, 10);
}

TEST(RlweSamplerTest, FloodingIsUniformOnPowerOfTwoInterval) {
  Prg prg = SeededPrg(3);
  std::vector<int64_t> v(kSamples);
  for (int bits : {8, 40, 62}) {
    SampleFlooding(prg, bits, v);
    const Moments m = Measure(v);
    const double bound = std::ldexp(1.0, bits);
    EXPECT_GE(m.min, -(int64_t{1} << bits));
    EXPECT_LT(m.max, int64_t{1} << bits);
    EXPECT_GT(static_cast<double>(m.max), 0.99 * bound);
    EXPECT_NEAR(m.mean / bound, 0.0, 0.01) << "bits " << bits;
    // Uniform on [-B, B): variance B^2 / 3.
    EXPECT_NEAR(m.variance / (bound * bound), 1.0 / 3.0, 0.01) << "bits " << bits;
  }
}

TEST(RlweSamplerTest, RnsConversionIsConsistent) {
  const RlweParameters params = RlweParameters::Default();
  auto ctx = *RlweContext::Create(params);
  Prg prg = SeededPrg(4);
  std::vector<int64_t> v(ctx->n());
  SampleFlooding(prg, 62, v);
  std::vector<uint64_t> poly(ctx->poly_words(), 0);
  AddWideToRns(*ctx, v, poly.data());
  for (size_t i = 0; i < ctx->num_primes(); ++i) {
    const int64_t p = static_cast<int64_t>(ctx->modulus(i).value());
    for (size_t j = 0; j < ctx->n(); ++j) {
      const int64_t expected = ((v[j] % p) + p) % p;
      ASSERT_EQ(poly[i * ctx->n() + j], static_cast<uint64_t>(expected));
    }
  }
  SampleCenteredBinomial(prg, v);
  SmallToRns(*ctx, v, poly.data());
  for (size_t j = 0; j < ctx->n(); ++j) {
    const uint64_t p = ctx->modulus(0).value();
    ASSERT_EQ(poly[j], v[j] < 0 ? p - static_cast<uint64_t>(-v[j]) : static_cast<uint64_t>(v[j]));
  }
}

}  // namespace
}  // namespace fedcloak::crypto
