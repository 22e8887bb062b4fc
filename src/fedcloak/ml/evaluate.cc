#include "fedcloak/ml/evaluate.h"

#include <fmt/format.h>

#include <vector>

#include "fedcloak/base/status.h"
#include "fedcloak/ml/model_impl.h"

namespace fedcloak::ml {

absl::StatusOr<EvalMetrics> Evaluate(const Model& model, const Dataset& data, int batch_size) {
  if (batch_size < 1) {
    return absl::InvalidArgumentError(fmt::format("batch size {} is not >= 1", batch_size));
  }
  if (data.num_examples() == 0) return absl::InvalidArgumentError("no evaluation examples");
  // Forward() needs a mutable Impl; it does not change the parameters.
  Model::Impl& impl = const_cast<Model::Impl&>(internal::ModelAccess::Get(model));
  FEDCLOAK_RETURN_IF_ERROR(internal::CheckInputShape(impl, data));
  const auto n = static_cast<int64_t>(data.num_examples());
  double loss_sum = 0;
  int64_t correct = 0;
  int64_t num_outputs = 0;
  std::vector<int64_t> predicted(data.num_examples());
  std::vector<double> scores;  // P(class 1), binary tasks
  try {
    torch::NoGradGuard no_grad;
    impl.module.eval();
    const at::Tensor x = internal::FeaturesTensor(data);
    const at::Tensor y = internal::LabelsTensor(data);
    for (int64_t begin = 0; begin < n; begin += batch_size) {
      const int64_t len = std::min<int64_t>(batch_size, n - begin);
      const at::Tensor logits = impl.Forward(x.narrow(0, begin, len));
      if (logits.dim() != 2 || logits.size(0) != len || logits.size(1) < data.num_classes()) {
        return absl::InvalidArgumentError(fmt::format(
            "model output of shape [{}] is not [batch, K] with K >= {} classes of the data",
            fmt::join(logits.sizes(), ", "), data.num_classes()));
      }
      num_outputs = logits.size(1);
      const at::Tensor yb = y.narrow(0, begin, len);
      loss_sum +=
          torch::nn::functional::cross_entropy(
              logits, yb, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
              .item<double>();
      const at::Tensor argmax = logits.argmax(1).contiguous();
      correct += argmax.eq(yb).sum().item<int64_t>();
      std::copy_n(argmax.data_ptr<int64_t>(), len, predicted.begin() + begin);
      if (num_outputs == 2) {
        const at::Tensor p1 =
            torch::softmax(logits, 1).select(1, 1).to(torch::kFloat64).contiguous();
        scores.insert(scores.end(), p1.data_ptr<double>(), p1.data_ptr<double>() + len);
      }
    }
    impl.module.train();
  } catch (const std::exception& e) {
    return internal::TorchError("evaluating", e);
  }
  EvalMetrics metrics;
  metrics.num_examples = data.num_examples();
  metrics.loss = loss_sum / static_cast<double>(n);
  metrics.accuracy = static_cast<double>(correct) / static_cast<double>(n);
  if (num_outputs == 2) {
    metrics.auc = RocAuc(scores, data.labels());
    const PrecisionRecall pr = ComputePrecisionRecall(predicted, data.labels());
    metrics.precision = pr.precision;
    metrics.recall = pr.recall;
  }
  return metrics;
}

}  // namespace fedcloak::ml
