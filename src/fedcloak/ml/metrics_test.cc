#include "fedcloak/ml/metrics.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::ml {
namespace {

TEST(MlMetricsTest, RocAucHandComputed) {
  // Positives score 0.35, 0.8; negatives 0.1, 0.4. Of the 4 (positive, negative) pairs
  // the positive wins 3: AUC 0.75 (also scikit-learn's roc_auc_score example).
  const std::vector<double> scores = {0.1, 0.4, 0.35, 0.8};
  const std::vector<int64_t> labels = {0, 0, 1, 1};
  EXPECT_DOUBLE_EQ(*RocAuc(scores, labels), 0.75);
  // A tie between a positive and a negative counts 1/2: (0.5 + 1 + 1 + 1) / 4.
  const std::vector<double> tied = {0.5, 0.5, 0.2, 0.9};
  const std::vector<int64_t> tied_labels = {1, 0, 0, 1};
  EXPECT_DOUBLE_EQ(*RocAuc(tied, tied_labels), 0.875);
  // Perfect and inverted rankings.
  EXPECT_DOUBLE_EQ(*RocAuc(std::vector<double>{1, 2, 3}, std::vector<int64_t>{0, 1, 1}), 1.0);
  EXPECT_DOUBLE_EQ(*RocAuc(std::vector<double>{3, 2, 1}, std::vector<int64_t>{0, 1, 1}), 0.0);
}

TEST(MlMetricsTest, RocAucUndefinedCases) {
  EXPECT_FALSE(RocAuc(std::vector<double>{0.1, 0.2}, std::vector<int64_t>{1, 1}).has_value());
  EXPECT_FALSE(RocAuc(std::vector<double>{0.1}, std::vector<int64_t>{1, 0}).has_value());
  EXPECT_FALSE(RocAuc(std::vector<double>{0.1, 0.2}, std::vector<int64_t>{2, 0}).has_value());
}

TEST(MlMetricsTest, PrecisionRecallHandComputed) {
  // TP = 1 (index 0), FP = 1 (index 4), FN = 2 (indices 1, 2).
  const PrecisionRecall pr = ComputePrecisionRecall(std::vector<int64_t>{1, 0, 0, 0, 1},
                                                    std::vector<int64_t>{1, 1, 1, 0, 0});
  EXPECT_DOUBLE_EQ(*pr.precision, 0.5);
  EXPECT_DOUBLE_EQ(*pr.recall, 1.0 / 3.0);
  const PrecisionRecall none =
      ComputePrecisionRecall(std::vector<int64_t>{0, 0}, std::vector<int64_t>{0, 0});
  EXPECT_FALSE(none.precision.has_value());
  EXPECT_FALSE(none.recall.has_value());
}

}  // namespace
}  // namespace fedcloak::ml
