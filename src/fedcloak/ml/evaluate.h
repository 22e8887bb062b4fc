// Evaluation of a Model on a Dataset: loss and accuracy, plus AUC, precision and recall
// for binary tasks (models with two outputs). Torch-free interface.
#ifndef FEDCLOAK_ML_EVALUATE_H_
#define FEDCLOAK_ML_EVALUATE_H_

#include "absl/status/statusor.h"
#include "fedcloak/ml/dataset.h"
#include "fedcloak/ml/metrics.h"
#include "fedcloak/ml/model.h"

namespace fedcloak::ml {

// Runs the model in inference mode over `data` in batches of `batch_size` (>= 1).
// InvalidArgument if `data` is empty or does not fit the model, or a label is not below
// the model's output count. Does not change the parameters.
absl::StatusOr<EvalMetrics> Evaluate(const Model& model, const Dataset& data, int batch_size = 256);

}  // namespace fedcloak::ml

#endif  // FEDCLOAK_ML_EVALUATE_H_
