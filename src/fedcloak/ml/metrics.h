// Evaluation metrics as plain numbers: what Evaluate (evaluate.h) returns, and the
// torch-free computations behind its binary-task metrics.
#ifndef FEDCLOAK_ML_METRICS_H_
#define FEDCLOAK_ML_METRICS_H_

#include <cstdint>
#include <optional>
#include <span>

namespace fedcloak::ml {

struct EvalMetrics {
  double loss = 0.0;      // mean cross-entropy (natural log) over the examples
  double accuracy = 0.0;  // fraction whose arg-max class equals the label
  // Binary tasks (two output classes) only; class 1 is the positive class.
  std::optional<double> auc;        // ROC AUC of P(class 1); nullopt if one class is absent
  std::optional<double> precision;  // TP / (TP + FP); nullopt if nothing is predicted positive
  std::optional<double> recall;     // TP / (TP + FN); nullopt if there is no positive
  uint64_t num_examples = 0;
};

// ROC AUC: the probability that a random positive (label 1) scores above a random
// negative (label 0), ties counting one half (the Mann-Whitney U statistic over n1 * n0),
// computed from average ranks in O(n log n). nullopt if either class is absent or the
// spans differ in length. Labels other than 0 and 1 make it nullopt too.
std::optional<double> RocAuc(std::span<const double> scores, std::span<const int64_t> labels);

struct PrecisionRecall {
  std::optional<double> precision;
  std::optional<double> recall;
};

// Precision and recall of class 1 for predicted classes against labels (both 0/1).
PrecisionRecall ComputePrecisionRecall(std::span<const int64_t> predicted,
                                       std::span<const int64_t> labels);

}  // namespace fedcloak::ml

#endif  // FEDCLOAK_ML_METRICS_H_
