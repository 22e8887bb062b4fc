// Model: a neural network as the rest of fedcloak sees it. No torch type crosses this
// header; to the federated engine a model is a flat float32 parameter vector.
//
// Flat parameter layout: the model's named parameters in registration order (the order
// of torch.nn.Module.named_parameters() in Python), each flattened row-major (C order),
// concatenated; float32. parameter_layout() lists name, shape and offset of each. Buffers
// (e.g. BatchNorm running statistics) are not parameters: they stay local.
// The built-in architectures (see doc/architecture.md), K = num_classes:
//   "mlp": input flattened to F features; hidden sizes h_1..h_L (ModelSpec::hidden_units):
//       fc1_weight [h_1, F], fc1_bias [h_1], ..., fc{L+1}_weight [K, h_L], fc{L+1}_bias [K];
//       ReLU between layers. With no hidden layer it is multinomial logistic regression.
//   "cnn" (small, the default for images; input {C, H, W}, H' = ((H-4)/2-4)/2, same for W'):
//       conv1_weight [16, C, 5, 5], conv1_bias [16], conv2_weight [32, 16, 5, 5],
//       conv2_bias [32], fc1_weight [64, 32*H'*W'], fc1_bias [64], fc2_weight [K, 64],
//       fc2_bias [K]. Layers: conv1 (5x5, no padding), ReLU, 2x2 max-pool, conv2, ReLU,
//       2x2 max-pool, flatten, fc1, ReLU, fc2.
//   "mcmahan-cnn" (McMahan et al. 2017, "CNN" for MNIST; H, W divisible by 4):
//       conv1_weight [32, C, 5, 5], conv1_bias [32], conv2_weight [64, 32, 5, 5],
//       conv2_bias [64], fc1_weight [512, 64*(H/4)*(W/4)], fc1_bias [512],
//       fc2_weight [K, 512], fc2_bias [K]; the same layers with 'same' padding (2).
//       1,663,370 parameters for 28x28 inputs and K = 10.
// Models output logits [batch, K]; the softmax is part of the cross-entropy loss.
// Initial weights: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases (PyTorch's
// default for Linear and Conv2d), drawn from a torch generator seeded with ModelSpec::seed.
//
// A model loaded from TorchScript (torch.jit.save in Python) has the layout of its own
// named parameters; every parameter must be float32, and all of them are trained.
//
// Thread safety: none; use one Model from one thread at a time. Move-only; Clone()
// deep-copies.
#ifndef FEDCLOAK_ML_MODEL_H_
#define FEDCLOAK_ML_MODEL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fedcloak/ml/dataset.h"

namespace fedcloak::ml {

struct ModelSpec {
  // "mlp", "cnn" or "mcmahan-cnn".
  std::string architecture = "mlp";
  // Shape of one example: {features} (mlp flattens any shape) or {channels, height, width}.
  std::vector<int64_t> input_shape;
  int64_t num_classes = 2;
  // mlp only: hidden layer sizes; empty means no hidden layer. Default: {64}.
  std::vector<int64_t> hidden_units = {64};
  // Seed of the initial weights.
  uint64_t seed = 0;
};

struct ParameterInfo {
  std::string name;
  std::vector<int64_t> shape;
  size_t offset = 0;  // into the flat vector
  size_t size = 0;    // product of shape
};

namespace internal {
struct ModelAccess;
}  // namespace internal

class Model {
 public:
  // Builds a built-in architecture. InvalidArgument for an unknown architecture, a
  // wrong-rank or non-positive input shape, an input too small for the CNN's layers,
  // num_classes < 2, or a non-positive hidden size.
  static absl::StatusOr<Model> Create(const ModelSpec& spec);

  // Loads a module saved by torch.jit.save (or SaveTorchScript). NotFound if the file
  // cannot be opened, InvalidArgument if it is not TorchScript, has no forward method,
  // no parameter, or a parameter that is not float32.
  static absl::StatusOr<Model> LoadTorchScript(const std::string& path);

  ~Model();
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // A deep copy (parameters not shared).
  absl::StatusOr<Model> Clone() const;

  // "mlp", "cnn", "mcmahan-cnn" or "torchscript".
  const std::string& architecture() const;
  // Built-in models: the spec's input shape; TorchScript models: empty (unknown).
  const std::vector<int64_t>& input_shape() const;
  size_t num_parameters() const;
  const std::vector<ParameterInfo>& parameter_layout() const;

  // The flat parameter vector (layout above).
  std::vector<float> GetParameters() const;
  // Overwrites all parameters. InvalidArgument if params.size() != num_parameters() or a
  // value is not finite.
  absl::Status SetParameters(std::span<const float> params);

  // Logits, row-major [data.num_examples(), K], evaluated in inference mode.
  // InvalidArgument if the data's example shape does not fit the model.
  absl::StatusOr<std::vector<float>> Logits(const Dataset& data) const;

  // Saves as TorchScript, loadable in Python with torch.jit.load(path). Internal if the
  // file cannot be written.
  absl::Status SaveTorchScript(const std::string& path) const;

  // The libtorch side, defined in model_impl.h (internal to module ml).
  struct Impl;

 private:
  friend struct internal::ModelAccess;
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fedcloak::ml

#endif  // FEDCLOAK_ML_MODEL_H_
