// Internal to module ml (includes libtorch): the inside of Model, shared by model.cc,
// trainer.cc and evaluate.cc. Never include this outside src/fedcloak/ml.
#ifndef FEDCLOAK_ML_MODEL_IMPL_H_
#define FEDCLOAK_ML_MODEL_IMPL_H_

#include <torch/script.h>
#include <torch/torch.h>

#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "fedcloak/ml/dataset.h"
#include "fedcloak/ml/model.h"

namespace fedcloak::ml {

enum class Architecture { kTorchScript, kMlp, kCnn, kMcMahanCnn };

struct Model::Impl {
  Architecture arch = Architecture::kTorchScript;
  std::string architecture_name;
  std::vector<int64_t> input_shape;  // built-ins only
  // Holds the parameters; its forward() is the TorchScript twin of Forward() below for
  // built-ins, and the model itself for loaded modules.
  torch::jit::Module module;
  std::vector<at::Tensor> params;  // aliases of the module's parameters, layout order
  std::vector<ParameterInfo> layout;
  size_t num_parameters = 0;

  // Logits for a batch [B, ...]. Built-ins run the same aten ops as their TorchScript
  // source, eagerly (no graph-executor overhead in training); loaded modules run forward().
  // Throws c10::Error / std::exception; callers convert.
  at::Tensor Forward(const at::Tensor& x);

  // Fills params/layout/num_parameters from `module` and checks the parameters.
  absl::Status IndexParameters();
};

namespace internal {

struct ModelAccess {
  static Model::Impl& Get(Model& model) { return *model.impl_; }
  static const Model::Impl& Get(const Model& model) { return *model.impl_; }
};

// The Status for an exception thrown by libtorch while doing `context`.
absl::Status TorchError(std::string_view context, const std::exception& e);

// The data as a [n, example_shape...] tensor that aliases data.features() (no copy).
// The tensor must only be read.
at::Tensor FeaturesTensor(const Dataset& data);
// The labels as a [n] int64 tensor aliasing data.labels(); read only.
at::Tensor LabelsTensor(const Dataset& data);

// InvalidArgument if `data` does not fit a built-in model's input shape (a TorchScript
// model's fit is only known when forward runs).
absl::Status CheckInputShape(const Model::Impl& impl, const Dataset& data);

}  // namespace internal
}  // namespace fedcloak::ml

#endif  // FEDCLOAK_ML_MODEL_IMPL_H_
