#include "fedcloak/ml/partition.h"

#include <algorithm>
#include <array>
#include <set>

#include "fedcloak/base/prg.h"
#include "fedcloak/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::ml {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;

Prg SeededPrg(uint8_t seed) {
  std::array<uint8_t, Prg::kSeedSize> bytes{};
  bytes[0] = seed;
  return Prg(bytes, "ml.partition_test");
}

// 10 classes of 100 examples each, class-major order.
std::vector<int64_t> BalancedLabels() {
  std::vector<int64_t> labels;
  for (int64_t c = 0; c < 10; ++c) labels.insert(labels.end(), 100, c);
  return labels;
}

void ExpectCoversEachOnce(const Partition& parts, size_t n) {
  std::vector<int> seen(n);
  for (const auto& p : parts) {
    EXPECT_TRUE(std::is_sorted(p.begin(), p.end()));
    for (size_t i : p) {
      ASSERT_LT(i, n);
      ++seen[i];
    }
  }
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(seen[i], 1) << "example " << i;
}

TEST(MlPartitionTest, IidBalancedAndReproducible) {
  Prg rng1 = SeededPrg(1);
  auto parts = PartitionIid(103, 10, rng1);
  ASSERT_THAT(parts, IsOk());
  ExpectCoversEachOnce(*parts, 103);
  for (size_t s = 0; s < 10; ++s) EXPECT_EQ((*parts)[s].size(), s < 3 ? 11u : 10u);
  Prg again = SeededPrg(1);
  EXPECT_EQ(*PartitionIid(103, 10, again), *parts);
  Prg other = SeededPrg(2);
  EXPECT_NE(*PartitionIid(103, 10, other), *parts);
  EXPECT_THAT(PartitionIid(5, 6, rng1), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PartitionIid(5, 0, rng1), StatusIs(absl::StatusCode::kInvalidArgument));
}

// Mean over sites of the largest single-class share of the site's examples.
double MeanDominantShare(const Partition& parts, const std::vector<int64_t>& labels) {
  double total = 0;
  for (const auto& p : parts) {
    std::array<int, 10> counts{};
    for (size_t i : p) ++counts[static_cast<size_t>(labels[i])];
    total += *std::max_element(counts.begin(), counts.end()) / static_cast<double>(p.size());
  }
  return total / static_cast<double>(parts.size());
}

TEST(MlPartitionTest, DirichletSkewFollowsAlpha) {
  const std::vector<int64_t> labels = BalancedLabels();
  Prg rng = SeededPrg(3);
  auto skewed = PartitionDirichlet(labels, 10, 0.1, rng, 5);
  ASSERT_THAT(skewed, IsOk());
  ExpectCoversEachOnce(*skewed, labels.size());
  for (const auto& p : *skewed) EXPECT_GE(p.size(), 5u);
  auto nearly_iid = PartitionDirichlet(labels, 10, 1000.0, rng);
  ASSERT_THAT(nearly_iid, IsOk());
  ExpectCoversEachOnce(*nearly_iid, labels.size());
  // alpha = 0.1: sites are dominated by one class; alpha = 1000: about 1/10 each.
  EXPECT_GT(MeanDominantShare(*skewed, labels), 0.5) << "seed byte 3";
  EXPECT_LT(MeanDominantShare(*nearly_iid, labels), 0.2) << "seed byte 3";
  Prg a = SeededPrg(4);
  Prg b = SeededPrg(4);
  EXPECT_EQ(*PartitionDirichlet(labels, 7, 0.5, a), *PartitionDirichlet(labels, 7, 0.5, b));
  EXPECT_THAT(PartitionDirichlet(labels, 10, 0.0, rng),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PartitionDirichlet(labels, 10, 1.0, rng, 101),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(MlPartitionTest, ShardsGiveEachSiteFewClasses) {
  const std::vector<int64_t> labels = BalancedLabels();
  Prg rng = SeededPrg(5);
  auto parts = PartitionShards(labels, 10, 2, rng);
  ASSERT_THAT(parts, IsOk());
  ExpectCoversEachOnce(*parts, labels.size());
  for (const auto& p : *parts) {
    EXPECT_EQ(p.size(), 100u);
    std::set<int64_t> classes;
    for (size_t i : p) classes.insert(labels[i]);
    EXPECT_LE(classes.size(), 2u);  // shards of 50 never straddle a class boundary
  }
  // Uneven: 1000 examples in 3 x 3 = 9 shards, the last shard one longer.
  auto uneven = PartitionShards(labels, 3, 3, rng);
  ASSERT_THAT(uneven, IsOk());
  ExpectCoversEachOnce(*uneven, labels.size());
  EXPECT_THAT(PartitionShards(labels, 600, 2, rng), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(MlPartitionTest, GammaSamplerMeans) {
  // Gamma(k, 1) has mean k and variance k; 20000 draws: standard error sqrt(k / 20000).
  Prg rng = SeededPrg(6);
  for (double shape : {0.5, 3.0}) {
    double sum = 0;
    for (int i = 0; i < 20000; ++i) sum += internal::SampleGamma(shape, rng);
    EXPECT_NEAR(sum / 20000, shape, 5 * std::sqrt(shape / 20000)) << "shape " << shape;
  }
}

}  // namespace
}  // namespace fedcloak::ml
