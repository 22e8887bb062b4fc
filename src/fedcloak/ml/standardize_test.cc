#include "fedcloak/ml/standardize.h"

#include <cmath>

#include "fedcloak/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::ml {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::DoubleNear;
using ::testing::ElementsAre;

TEST(MlStandardizeTest, FederatedSumsEqualCentralStatistics) {
  // Feature 0: site A {1, 3}, site B {5}: mean 3, population variance (4 + 0 + 4) / 3.
  // Feature 1 is constant 7: only centered.
  auto site_a = Dataset::Create({1, 7, 3, 7}, {0, 1}, {2}, 2);
  auto site_b = Dataset::Create({5, 7}, {1}, {2}, 2);
  ASSERT_THAT(site_a, IsOk());
  ASSERT_THAT(site_b, IsOk());
  FeatureSums total;
  ASSERT_THAT(AddFeatureSums(total, ComputeFeatureSums(*site_a)), IsOk());
  ASSERT_THAT(AddFeatureSums(total, ComputeFeatureSums(*site_b)), IsOk());
  EXPECT_EQ(total.count, 3u);
  auto standardizer = Standardizer::FromSums(total);
  ASSERT_THAT(standardizer, IsOk());
  EXPECT_THAT(standardizer->mean(), ElementsAre(DoubleNear(3, 1e-12), DoubleNear(7, 1e-12)));
  EXPECT_THAT(standardizer->stddev(),
              ElementsAre(DoubleNear(std::sqrt(8.0 / 3.0), 1e-12), DoubleNear(0, 1e-6)));
  ASSERT_THAT(standardizer->Apply(*site_a), IsOk());
  const float z = static_cast<float>(2 / std::sqrt(8.0 / 3.0));
  EXPECT_THAT(std::vector<float>(site_a->features().begin(), site_a->features().end()),
              ElementsAre(-z, 0.0f, 0.0f, 0.0f));
  ASSERT_THAT(standardizer->Apply(*site_b), IsOk());
  EXPECT_THAT(std::vector<float>(site_b->features().begin(), site_b->features().end()),
              ElementsAre(z, 0.0f));
}

TEST(MlStandardizeTest, RejectsMismatchedWidthsAndEmptySums) {
  FeatureSums total;
  FeatureSums narrow{1, {1.0}, {1.0}};
  FeatureSums wide{1, {1.0, 2.0}, {1.0, 4.0}};
  ASSERT_THAT(AddFeatureSums(total, narrow), IsOk());
  EXPECT_THAT(AddFeatureSums(total, wide), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Standardizer::FromSums(FeatureSums{}), StatusIs(absl::StatusCode::kInvalidArgument));
  auto s = Standardizer::FromSums(narrow);
  ASSERT_THAT(s, IsOk());
  auto data = Dataset::Create({1, 2}, {0}, {2}, 2);
  EXPECT_THAT(s->Apply(*data), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace fedcloak::ml
