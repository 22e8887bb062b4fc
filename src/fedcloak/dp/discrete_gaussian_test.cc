#include "fedcloak/dp/discrete_gaussian.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "fedcloak/base/prg.h"
#include "fedcloak/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::dp {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::HasSubstr;

std::array<uint8_t, 32> Seed(uint8_t tag) {
  std::array<uint8_t, 32> seed{};
  seed[0] = tag;
  seed[31] = 0x5d;
  return seed;
}

// Counts the bytes drawn, to observe the fixed schedule.
class CountingRandom final : public SecureRandom {
 public:
  explicit CountingRandom(uint8_t tag) : prg_(Seed(tag), "dp.test.counting") {}
  void Fill(std::span<uint8_t> out) override {
    bytes_ += out.size();
    prg_.Fill(out);
  }
  uint64_t bytes() const { return bytes_; }

 private:
  Prg prg_;
  uint64_t bytes_ = 0;
};

// The exact N_Z(0, sigma^2) probabilities and variance, by direct summation in long
// double over |z| <= 60 sigma + 10 (independent of the sampler's algebra).
struct Exact {
  long double norm = 0;
  long double variance = 0;
  long double Pmf(int64_t z, double sigma) const {
    const long double zl = static_cast<long double>(z);
    return std::exp(-zl * zl / (2.0L * sigma * sigma)) / norm;
  }
};
Exact ExactMoments(double sigma) {
  Exact e;
  if (sigma > 100) {
    // Poisson summation: the variance is sigma^2 (1 - O(sigma^2 e^{-2 pi^2 sigma^2})).
    e.variance = static_cast<long double>(sigma) * sigma;
    return e;
  }
  const int64_t limit = static_cast<int64_t>(60 * sigma) + 10;
  long double second = 0;
  for (int64_t z = -limit; z <= limit; ++z) {
    const long double zl = static_cast<long double>(z);
    const long double w = std::exp(-zl * zl / (2.0L * sigma * sigma));
    e.norm += w;
    second += zl * zl * w;
  }
  e.variance = second / e.norm;
  return e;
}

TEST(DpDiscreteGaussianTest, CreateRejectsBadSigma) {
  for (double bad :
       {0.0, -1.0, 0.05, std::nan(""), std::numeric_limits<double>::infinity(), double{1 << 25}}) {
    EXPECT_THAT(DiscreteGaussianSampler::Create(bad),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sigma")))
        << bad;
  }
  EXPECT_THAT(DiscreteGaussianSampler::Create(0.1), IsOk());
  EXPECT_THAT(DiscreteGaussianSampler::Create(double{1 << 24}), IsOk());
}

TEST(DpDiscreteGaussianTest, SameSeedSameSamplesOtherSeedOtherSamples) {
  auto sampler = DiscreteGaussianSampler::Create(12.5);
  ASSERT_THAT(sampler, IsOk());
  std::vector<int64_t> a(1000), b(1000), c(1000);
  Prg r1(Seed(1), "dp.test"), r2(Seed(1), "dp.test"), r3(Seed(2), "dp.test");
  sampler->Sample(r1, a);
  sampler->Sample(r2, b);
  sampler->Sample(r3, c);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

// Constant time at the level of the schedule: the randomness drawn (hence the rounds
// run) depends on n and sigma only, not on the seed or on the values produced.
TEST(DpDiscreteGaussianTest, DrawsTheSameRandomnessWhateverTheSeed) {
  auto sampler = DiscreteGaussianSampler::Create(37.2);
  ASSERT_THAT(sampler, IsOk());
  for (size_t n : {size_t{1}, size_t{17}, size_t{5000}}) {
    std::vector<uint64_t> drawn;
    for (uint8_t tag = 0; tag < 20; ++tag) {
      CountingRandom rng(tag);
      std::vector<int64_t> out(n);
      sampler->Sample(rng, out);
      drawn.push_back(rng.bytes());
    }
    for (uint64_t d : drawn) EXPECT_EQ(d, drawn[0]) << "n=" << n;
  }
}

TEST(DpDiscreteGaussianTest, RoundsForMeetsTheFailureBound) {
  for (double sigma : {0.3, 1.0, 5.5, 1000.0}) {
    auto sampler = DiscreteGaussianSampler::Create(sigma);
    ASSERT_THAT(sampler, IsOk());
    const double p = sampler->acceptance_probability();
    EXPECT_GT(p, 0.3) << sigma;
    EXPECT_LT(p, 0.8) << sigma;
    // n = 1: the exact failure probability is (1 - p)^M.
    const uint64_t m1 = sampler->RoundsFor(1);
    EXPECT_LE(static_cast<double>(m1) * std::log2(1 - p), -64.0) << sigma;
    EXPECT_GT(static_cast<double>(m1 - 1) * std::log2(1 - p), -64.0) << sigma;
    // Large n: within 2% of n / p, and monotone.
    const uint64_t big = sampler->RoundsFor(1'000'000);
    EXPECT_GT(static_cast<double>(big), 1e6 / p);
    EXPECT_LT(static_cast<double>(big), 1.02e6 / p);
    EXPECT_LE(sampler->RoundsFor(999'999), big);
    EXPECT_EQ(sampler->RoundsFor(0), 0u);
  }
}

struct MomentCase {
  double sigma;
  size_t samples;
  friend void PrintTo(const MomentCase& c, std::ostream* os) {
    *os << "sigma=" << c.sigma << " samples=" << c.samples;
  }
};

class DpDiscreteGaussianMomentsTest : public ::testing::TestWithParam<MomentCase> {};

// z-tests at 5 standard errors: mean (se = sqrt(V / N)) and variance (se = V sqrt(2/N),
// the fourth moment of a near-Gaussian being 3 V^2).
TEST_P(DpDiscreteGaussianMomentsTest, MeanAndVarianceMatch) {
  const MomentCase c = GetParam();
  const uint8_t seed_tag = 7;
  SCOPED_TRACE("sigma=" + std::to_string(c.sigma) + " seed tag=" + std::to_string(seed_tag));
  auto sampler = DiscreteGaussianSampler::Create(c.sigma);
  ASSERT_THAT(sampler, IsOk());
  Prg rng(Seed(seed_tag), "dp.test.moments");
  std::vector<int64_t> z(c.samples);
  sampler->Sample(rng, z);
  long double sum = 0, sum2 = 0;
  for (int64_t v : z) {
    EXPECT_LT(std::abs(v), sampler->support_bound());
    sum += static_cast<long double>(v);
    sum2 += static_cast<long double>(v) * static_cast<long double>(v);
  }
  const double n = static_cast<double>(c.samples);
  const double mean = static_cast<double>(sum / n);
  const double variance = static_cast<double>(sum2 / n) - mean * mean;
  const double exact_variance = static_cast<double>(ExactMoments(c.sigma).variance);
  EXPECT_LE(std::abs(mean), 5 * std::sqrt(exact_variance / n));
  EXPECT_LE(std::abs(variance - exact_variance), 5 * exact_variance * std::sqrt(2 / n));
}

INSTANTIATE_TEST_SUITE_P(Sigmas, DpDiscreteGaussianMomentsTest,
                         ::testing::Values(MomentCase{/*sigma=*/0.6, /*samples=*/400'000},
                                           MomentCase{/*sigma=*/3.7, /*samples=*/400'000},
                                           MomentCase{/*sigma=*/41.0, /*samples=*/400'000},
                                           MomentCase{/*sigma=*/1000.0, /*samples=*/400'000},
                                           MomentCase{/*sigma=*/123456.5, /*samples=*/200'000}));

// Pearson chi-square against the exact probabilities; bins with expected count >= 20,
// tails merged. Threshold df + 10 sqrt(2 df): far beyond the 1e-6 quantile.
TEST(DpDiscreteGaussianTest, ChiSquareAgainstExactPmf) {
  for (double sigma : {0.45, 2.0, 6.3}) {
    const uint8_t seed_tag = 11;
    SCOPED_TRACE("sigma=" + std::to_string(sigma) + " seed tag=" + std::to_string(seed_tag));
    auto sampler = DiscreteGaussianSampler::Create(sigma);
    ASSERT_THAT(sampler, IsOk());
    const size_t n = 300'000;
    Prg rng(Seed(seed_tag), "dp.test.chi2");
    std::vector<int64_t> z(n);
    sampler->Sample(rng, z);
    const Exact exact = ExactMoments(sigma);
    int64_t cut = 0;  // bins -cut..cut, tails |z| > cut merged into one bin
    while (static_cast<double>(exact.Pmf(cut + 1, sigma)) * n >= 20) ++cut;
    std::vector<double> observed(static_cast<size_t>(2 * cut + 2), 0);
    for (int64_t v : z) {
      const size_t bin = std::abs(v) > cut ? observed.size() - 1 : static_cast<size_t>(v + cut);
      observed[bin] += 1;
    }
    double chi2 = 0;
    double inner = 0;
    for (int64_t v = -cut; v <= cut; ++v) {
      const double expected = static_cast<double>(exact.Pmf(v, sigma)) * n;
      inner += expected;
      const double diff = observed[static_cast<size_t>(v + cut)] - expected;
      chi2 += diff * diff / expected;
    }
    const double tail_expected = n - inner;
    if (tail_expected > 1e-9) {
      const double diff = observed.back() - tail_expected;
      chi2 += diff * diff / std::max(tail_expected, 1.0);
    }
    const double df = static_cast<double>(observed.size() - 1);
    EXPECT_LT(chi2, df + 10 * std::sqrt(2 * df)) << "bins=" << observed.size();
  }
}

// Tails: P[|z| > 3 sigma] ~ 0.0027 (within 6 se), nothing beyond 7.5 sigma
// (probability 6e-14 per sample).
TEST(DpDiscreteGaussianTest, TailsHaveGaussianWeight) {
  const double sigma = 10.0;
  auto sampler = DiscreteGaussianSampler::Create(sigma);
  ASSERT_THAT(sampler, IsOk());
  const size_t n = 1'000'000;
  Prg rng(Seed(13), "dp.test.tails");
  std::vector<int64_t> z(n);
  sampler->Sample(rng, z);
  const Exact exact = ExactMoments(sigma);
  long double p_beyond3 = 0;
  for (int64_t v = 31; v < 700; ++v) p_beyond3 += 2 * exact.Pmf(v, sigma);
  size_t beyond3 = 0;
  int64_t largest = 0;
  for (int64_t v : z) {
    beyond3 += std::abs(v) > 30 ? 1u : 0u;
    largest = std::max<int64_t>(largest, std::abs(v));
  }
  const double expected = static_cast<double>(p_beyond3) * n;
  EXPECT_NEAR(static_cast<double>(beyond3), expected, 6 * std::sqrt(expected));
  EXPECT_LE(largest, 75);
  EXPECT_GE(largest, 40);  // P[max of 1e6 samples <= 4 sigma] is below 1e-20
}

TEST(DpDiscreteGaussianTest, SampleOneAndEmptySpan) {
  auto sampler = DiscreteGaussianSampler::Create(2.5);
  ASSERT_THAT(sampler, IsOk());
  Prg rng(Seed(3), "dp.test.one");
  long double sum2 = 0;
  for (int i = 0; i < 20000; ++i) {
    const int64_t v = sampler->SampleOne(rng);
    sum2 += static_cast<long double>(v * v);
  }
  const double variance = static_cast<double>(sum2 / 20000);
  const double exact = static_cast<double>(ExactMoments(2.5).variance);
  EXPECT_NEAR(variance, exact, 5 * exact * std::sqrt(2.0 / 20000));
  std::vector<int64_t> none;
  sampler->Sample(rng, none);  // no effect, no crash
}

}  // namespace
}  // namespace fedcloak::dp
