#include "fedcloak/base/secure_random.h"

#include <array>
#include <set>
#include <vector>

#include "fedcloak/base/prg.h"
#include "gtest/gtest.h"

namespace fedcloak {
namespace {

TEST(SystemRandomTest, FillsAndDiffers) {
  SecureRandom& rng = DefaultRandom();
  std::array<uint8_t, 32> a{}, b{};
  rng.Fill(a);
  rng.Fill(b);
  EXPECT_NE(a, b);
}

TEST(SecureRandomTest, UniformBelowStaysInRangeAndCoversIt) {
  std::array<uint8_t, 32> seed{};
  Prg prg(seed, "uniform-below");
  for (uint64_t bound : {uint64_t{1}, uint64_t{2}, uint64_t{3}, uint64_t{7}, uint64_t{1000}}) {
    std::set<uint64_t> seen;
    for (int i = 0; i < 20000; ++i) {
      const uint64_t v = prg.UniformBelow(bound);
      ASSERT_LT(v, bound);
      seen.insert(v);
    }
    EXPECT_EQ(seen.size(), bound) << "bound " << bound;
  }
  EXPECT_LT(prg.UniformBelow(~uint64_t{0}), ~uint64_t{0});
}

TEST(SecureRandomTest, UniformBelowIsUnbiased) {
  // Chi-square with 2 degrees of freedom on bound 3 (a non-power of two, where a modulo
  // reduction would be biased): 60000 draws, critical value 13.8 at p = 0.001.
  std::array<uint8_t, 32> seed{};
  seed[0] = 3;
  Prg prg(seed, "bias");
  std::array<double, 3> counts{};
  const int n = 60000;
  for (int i = 0; i < n; ++i) counts[prg.UniformBelow(3)] += 1;
  double chi2 = 0;
  for (double c : counts) chi2 += (c - n / 3.0) * (c - n / 3.0) / (n / 3.0);
  EXPECT_LT(chi2, 13.8);
}

}  // namespace
}  // namespace fedcloak
