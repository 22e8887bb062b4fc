#include "fedcloak/ml/model.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <utility>

#include "fedcloak/base/status.h"
#include "fedcloak/ml/model_impl.h"

namespace fedcloak::ml {
namespace {

constexpr int64_t kMaxWidth = int64_t{1} << 20;
constexpr size_t kMaxParameters = size_t{1} << 30;

struct CnnShape {
  int64_t channels1, channels2, hidden, padding;
};
constexpr CnnShape kSmallCnn{16, 32, 64, 0};
constexpr CnnShape kMcMahanCnn{32, 64, 512, 2};

// Side length after conv (5x5, stride 1, `padding`) and 2x2 max-pool, twice.
int64_t CnnOutputSide(int64_t side, int64_t padding) {
  for (int i = 0; i < 2; ++i) {
    side = (side + 2 * padding - 4) / 2;
    if (side < 1) return 0;
  }
  return side;
}

at::Tensor UniformInit(at::IntArrayRef shape, int64_t fan_in, at::Generator& gen) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  return torch::empty(shape, torch::kFloat32).uniform_(-bound, bound, gen);
}

std::string LinearLine(const std::string& layer, bool relu) {
  const std::string affine =
      fmt::format("torch.addmm(self.{0}_bias, x, self.{0}_weight.t())", layer);
  return relu ? fmt::format("    x = torch.relu({})\n", affine)
              : fmt::format("    return {}\n", affine);
}

// Builds the jit module of a built-in architecture: parameters plus a TorchScript
// forward() that runs exactly the aten ops of Model::Impl::Forward.
absl::StatusOr<torch::jit::Module> BuildModule(Architecture arch, const ModelSpec& spec) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(spec.seed);
  std::string source = "def forward(self, x):\n";
  torch::jit::Module module;
  auto add_layer = [&](const std::string& name, std::vector<int64_t> weight_shape, int64_t fan_in) {
    const int64_t out = weight_shape[0];
    module.register_parameter(name + "_weight", UniformInit(weight_shape, fan_in, gen), false);
    module.register_parameter(name + "_bias", UniformInit({out}, fan_in, gen), false);
  };
  if (arch == Architecture::kMlp) {
    module = torch::jit::Module("__torch__.fedcloak.Mlp");
    int64_t width = 1;
    for (int64_t d : spec.input_shape) width *= d;
    source += "    x = torch.flatten(x, 1)\n";
    const size_t layers = spec.hidden_units.size() + 1;
    for (size_t l = 0; l < layers; ++l) {
      const int64_t out = l + 1 < layers ? spec.hidden_units[l] : spec.num_classes;
      const std::string name = fmt::format("fc{}", l + 1);
      add_layer(name, {out, width}, width);
      source += LinearLine(name, l + 1 < layers);
      width = out;
    }
  } else {
    const CnnShape& s = arch == Architecture::kCnn ? kSmallCnn : kMcMahanCnn;
    module = torch::jit::Module(arch == Architecture::kCnn ? "__torch__.fedcloak.SmallCnn"
                                                           : "__torch__.fedcloak.McMahanCnn");
    const int64_t c = spec.input_shape[0];
    const int64_t flat = s.channels2 * CnnOutputSide(spec.input_shape[1], s.padding) *
                         CnnOutputSide(spec.input_shape[2], s.padding);
    add_layer("conv1", {s.channels1, c, 5, 5}, c * 25);
    add_layer("conv2", {s.channels2, s.channels1, 5, 5}, s.channels1 * 25);
    add_layer("fc1", {s.hidden, flat}, flat);
    add_layer("fc2", {spec.num_classes, s.hidden}, s.hidden);
    for (const char* conv : {"conv1", "conv2"}) {
      source += fmt::format(
          "    x = torch.max_pool2d(torch.relu(torch.conv2d(x, self.{0}_weight, self.{0}_bias, "
          "[1, 1], [{1}, {1}])), [2, 2])\n",
          conv, s.padding);
    }
    source += "    x = torch.flatten(x, 1)\n";
    source += LinearLine("fc1", true) + LinearLine("fc2", false);
  }
  module.define(source);
  return module;
}

absl::StatusOr<Architecture> ValidateSpec(const ModelSpec& spec) {
  Architecture arch;
  if (spec.architecture == "mlp") {
    arch = Architecture::kMlp;
  } else if (spec.architecture == "cnn") {
    arch = Architecture::kCnn;
  } else if (spec.architecture == "mcmahan-cnn") {
    arch = Architecture::kMcMahanCnn;
  } else {
    return absl::InvalidArgumentError(fmt::format(
        "unknown model architecture '{}' (known: mlp, cnn, mcmahan-cnn)", spec.architecture));
  }
  if (spec.num_classes < 2 || spec.num_classes > kMaxWidth) {
    return absl::InvalidArgumentError(
        fmt::format("num_classes {} is outside [2, 2^20]", spec.num_classes));
  }
  if (spec.input_shape.empty()) return absl::InvalidArgumentError("input shape is empty");
  int64_t size = 1;
  for (int64_t d : spec.input_shape) {
    if (d < 1 || d > kMaxWidth || (size *= d) > kMaxWidth * 64) {
      return absl::InvalidArgumentError(
          fmt::format("input shape [{}] has a dimension outside [1, 2^20] or too many elements",
                      fmt::join(spec.input_shape, ", ")));
    }
  }
  if (arch == Architecture::kMlp) {
    for (int64_t h : spec.hidden_units) {
      if (h < 1 || h > kMaxWidth) {
        return absl::InvalidArgumentError(fmt::format("hidden size {} is outside [1, 2^20]", h));
      }
    }
    return arch;
  }
  const int64_t padding = arch == Architecture::kCnn ? kSmallCnn.padding : kMcMahanCnn.padding;
  if (spec.input_shape.size() != 3 || CnnOutputSide(spec.input_shape[1], padding) < 1 ||
      CnnOutputSide(spec.input_shape[2], padding) < 1) {
    return absl::InvalidArgumentError(fmt::format(
        "{} needs an input shape {{channels, height, width}} with height and width at least "
        "{}, got [{}]",
        spec.architecture, arch == Architecture::kCnn ? 16 : 4, fmt::join(spec.input_shape, ", ")));
  }
  return arch;
}

}  // namespace

namespace internal {

absl::Status TorchError(std::string_view context, const std::exception& e) {
  const auto* c10_error = dynamic_cast<const c10::Error*>(&e);
  const std::string what = c10_error ? c10_error->what_without_backtrace() : e.what();
  return absl::InvalidArgumentError(fmt::format("{}: libtorch: {}", context, what));
}

at::Tensor FeaturesTensor(const Dataset& data) {
  std::vector<int64_t> shape = {static_cast<int64_t>(data.num_examples())};
  shape.insert(shape.end(), data.example_shape().begin(), data.example_shape().end());
  return torch::from_blob(const_cast<float*>(data.features().data()), shape, torch::kFloat32);
}

at::Tensor LabelsTensor(const Dataset& data) {
  return torch::from_blob(const_cast<int64_t*>(data.labels().data()),
                          {static_cast<int64_t>(data.num_examples())}, torch::kInt64);
}

absl::Status CheckInputShape(const Model::Impl& impl, const Dataset& data) {
  if (impl.arch == Architecture::kTorchScript) return absl::OkStatus();
  bool fits = false;
  if (impl.arch == Architecture::kMlp) {
    int64_t width = 1;
    for (int64_t d : impl.input_shape) width *= d;
    fits = static_cast<size_t>(width) == data.example_size();
  } else {
    fits = impl.input_shape == data.example_shape();
  }
  if (!fits) {
    return absl::InvalidArgumentError(
        fmt::format("data examples of shape [{}] do not fit the {} model's input shape [{}]",
                    fmt::join(data.example_shape(), ", "), impl.architecture_name,
                    fmt::join(impl.input_shape, ", ")));
  }
  return absl::OkStatus();
}

}  // namespace internal

at::Tensor Model::Impl::Forward(const at::Tensor& input) {
  if (arch == Architecture::kTorchScript) return module.forward({input}).toTensor();
  at::Tensor x = input;
  size_t p = 0;
  if (arch != Architecture::kMlp) {
    const int64_t pad = arch == Architecture::kCnn ? kSmallCnn.padding : kMcMahanCnn.padding;
    for (int conv = 0; conv < 2; ++conv, p += 2) {
      x = torch::max_pool2d(
          torch::relu(torch::conv2d(x, params[p], params[p + 1], {1, 1}, {pad, pad})), {2, 2});
    }
  }
  x = torch::flatten(x, 1);
  for (; p + 2 < params.size(); p += 2) {
    x = torch::relu(torch::addmm(params[p + 1], x, params[p].t()));
  }
  return torch::addmm(params[p + 1], x, params[p].t());
}

absl::Status Model::Impl::IndexParameters() {
  params.clear();
  layout.clear();
  num_parameters = 0;
  for (const auto& named : module.named_parameters(/*recurse=*/true)) {
    at::Tensor t = named.value;
    if (t.scalar_type() != torch::kFloat32) {
      return absl::InvalidArgumentError(fmt::format("parameter '{}' is {}, not float32", named.name,
                                                    c10::toString(t.scalar_type())));
    }
    t.requires_grad_(true);
    ParameterInfo info{named.name, t.sizes().vec(), num_parameters, static_cast<size_t>(t.numel())};
    num_parameters += info.size;
    if (num_parameters > kMaxParameters) {
      return absl::InvalidArgumentError("model has more than 2^30 parameters");
    }
    layout.push_back(std::move(info));
    params.push_back(t);
  }
  if (params.empty()) return absl::InvalidArgumentError("model has no parameters");
  return absl::OkStatus();
}

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

absl::StatusOr<Model> Model::Create(const ModelSpec& spec) {
  FEDCLOAK_ASSIGN_OR_RETURN(const Architecture arch, ValidateSpec(spec));
  auto impl = std::make_unique<Impl>();
  impl->arch = arch;
  impl->architecture_name = spec.architecture;
  impl->input_shape = spec.input_shape;
  try {
    FEDCLOAK_ASSIGN_OR_RETURN(impl->module, BuildModule(arch, spec));
    FEDCLOAK_RETURN_IF_ERROR(impl->IndexParameters());
  } catch (const std::exception& e) {
    return internal::TorchError(fmt::format("building model '{}'", spec.architecture), e);
  }
  return Model(std::move(impl));
}

absl::StatusOr<Model> Model::LoadTorchScript(const std::string& path) {
  if (!std::ifstream(path, std::ios::binary)) {
    return absl::NotFoundError(fmt::format("{}: cannot open file", path));
  }
  auto impl = std::make_unique<Impl>();
  impl->architecture_name = "torchscript";
  try {
    impl->module = torch::jit::load(path, torch::kCPU);
    if (!impl->module.find_method("forward")) {
      return absl::InvalidArgumentError(fmt::format("{}: module has no forward method", path));
    }
    FEDCLOAK_RETURN_IF_ERROR(impl->IndexParameters());
  } catch (const std::exception& e) {
    return internal::TorchError(fmt::format("{}: loading TorchScript", path), e);
  }
  return Model(std::move(impl));
}

absl::StatusOr<Model> Model::Clone() const {
  auto impl = std::make_unique<Impl>();
  impl->arch = impl_->arch;
  impl->architecture_name = impl_->architecture_name;
  impl->input_shape = impl_->input_shape;
  try {
    impl->module = impl_->module.deepcopy();
    FEDCLOAK_RETURN_IF_ERROR(impl->IndexParameters());
  } catch (const std::exception& e) {
    return internal::TorchError("cloning model", e);
  }
  return Model(std::move(impl));
}

const std::string& Model::architecture() const { return impl_->architecture_name; }
const std::vector<int64_t>& Model::input_shape() const { return impl_->input_shape; }
size_t Model::num_parameters() const { return impl_->num_parameters; }
const std::vector<ParameterInfo>& Model::parameter_layout() const { return impl_->layout; }

std::vector<float> Model::GetParameters() const {
  std::vector<float> out(impl_->num_parameters);
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < impl_->params.size(); ++i) {
    const at::Tensor t = impl_->params[i].contiguous();
    std::memcpy(out.data() + impl_->layout[i].offset, t.data_ptr<float>(),
                impl_->layout[i].size * sizeof(float));
  }
  return out;
}

absl::Status Model::SetParameters(std::span<const float> params) {
  if (params.size() != impl_->num_parameters) {
    return absl::InvalidArgumentError(
        fmt::format("{} parameters given, the model has {}", params.size(), impl_->num_parameters));
  }
  for (size_t i = 0; i < params.size(); ++i) {
    if (!std::isfinite(params[i])) {
      return absl::InvalidArgumentError(fmt::format("parameter {} is not finite", i));
    }
  }
  try {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < impl_->params.size(); ++i) {
      const ParameterInfo& info = impl_->layout[i];
      impl_->params[i].copy_(torch::from_blob(const_cast<float*>(params.data() + info.offset),
                                              info.shape, torch::kFloat32));
    }
  } catch (const std::exception& e) {
    return internal::TorchError("setting parameters", e);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<float>> Model::Logits(const Dataset& data) const {
  FEDCLOAK_RETURN_IF_ERROR(internal::CheckInputShape(*impl_, data));
  std::vector<float> out;
  try {
    torch::NoGradGuard no_grad;
    impl_->module.eval();
    const at::Tensor x = internal::FeaturesTensor(data);
    const auto n = static_cast<int64_t>(data.num_examples());
    for (int64_t begin = 0; begin < n; begin += 1024) {
      const at::Tensor logits =
          impl_->Forward(x.narrow(0, begin, std::min<int64_t>(1024, n - begin))).contiguous();
      out.insert(out.end(), logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
    }
  } catch (const std::exception& e) {
    return internal::TorchError("computing logits", e);
  }
  return out;
}

absl::Status Model::SaveTorchScript(const std::string& path) const {
  try {
    impl_->module.save(path);
  } catch (const std::exception& e) {
    return absl::InternalError(fmt::format("{}: saving TorchScript: {}", path,
                                           std::string(internal::TorchError("save", e).message())));
  }
  return absl::OkStatus();
}

}  // namespace fedcloak::ml
