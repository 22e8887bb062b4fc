#include "fedcloak/ml/trainer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <numbers>

#include "fedcloak/base/secret.h"
#include "fedcloak/base/status.h"
#include "fedcloak/ml/model_impl.h"
#include "fedcloak/ml/partition.h"
#include "fedcloak/ml/torch_runtime.h"

namespace fedcloak::ml {
namespace {

using internal::ModelAccess;

std::unique_ptr<torch::optim::Optimizer> MakeOptimizer(const TrainConfig& config,
                                                       const std::vector<at::Tensor>& params) {
  if (config.optimizer == "adam") {
    return std::make_unique<torch::optim::Adam>(params,
                                                torch::optim::AdamOptions(config.learning_rate));
  }
  return std::make_unique<torch::optim::SGD>(
      params, torch::optim::SGDOptions(config.learning_rate).momentum(config.momentum));
}

// State shared by the plain and the DP loop of one Train call.
struct Run {
  const TrainConfig& config;
  Model::Impl& impl;
  const Dataset& data;
  at::Tensor x;                    // all features, aliasing the Dataset
  at::Tensor y;                    // all labels
  std::vector<at::Tensor> global;  // w_global, for FedProx
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  at::Generator generator;
  double loss_sum = 0;
  uint64_t examples_seen = 0;
  uint64_t steps = 0;
  bool outputs_checked = false;

  // Forward pass and mean cross-entropy of one batch; checks the output shape once.
  absl::StatusOr<at::Tensor> Loss(const at::Tensor& xb, const at::Tensor& yb) {
    const at::Tensor logits = impl.Forward(xb);
    if (!outputs_checked) {
      if (logits.dim() != 2 || logits.size(0) != xb.size(0) ||
          logits.size(1) < data.num_classes()) {
        return absl::InvalidArgumentError(fmt::format(
            "model output of shape [{}] for a batch of {} is not [batch, K] with K >= {} "
            "classes of the data",
            fmt::join(logits.sizes(), ", "), xb.size(0), data.num_classes()));
      }
      outputs_checked = true;
    }
    return torch::nn::functional::cross_entropy(logits, yb);
  }

  // Adds the FedProx gradient mu * (w - w_global) to the parameters' gradients.
  void AddProximalGradient() {
    const double mu = config.fedprox_mu;
    if (mu == 0) return;
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < impl.params.size(); ++i) {
      at::Tensor& grad = impl.params[i].mutable_grad();
      if (!grad.defined()) grad = torch::zeros_like(impl.params[i]);  // unused by forward
      grad.add_(impl.params[i], mu).sub_(global[i], mu);
    }
  }
};

absl::Status TrainPlain(Run& run) {
  const int64_t n = run.x.size(0);
  const int64_t batch = std::min<int64_t>(run.config.batch_size, n);
  // Batches are gathered into these buffers: no allocation per batch for the data.
  std::vector<int64_t> batch_shape = run.x.sizes().vec();
  batch_shape[0] = batch;
  at::Tensor xbuf = torch::empty(batch_shape, torch::kFloat32);
  at::Tensor ybuf = torch::empty({batch}, torch::kInt64);
  for (int epoch = 0; epoch < run.config.epochs; ++epoch) {
    const at::Tensor perm = torch::randperm(n, run.generator, torch::kInt64);
    for (int64_t begin = 0; begin < n; begin += batch) {
      const int64_t len = std::min(batch, n - begin);
      const at::Tensor idx = perm.narrow(0, begin, len);
      at::Tensor xb = xbuf.narrow(0, 0, len);
      at::Tensor yb = ybuf.narrow(0, 0, len);
      torch::index_select_out(xb, run.x, 0, idx);
      torch::index_select_out(yb, run.y, 0, idx);
      run.optimizer->zero_grad();
      FEDCLOAK_ASSIGN_OR_RETURN(const at::Tensor loss, run.Loss(xb, yb));
      loss.backward();
      run.AddProximalGradient();
      run.optimizer->step();
      run.loss_sum += loss.item<double>() * static_cast<double>(len);
      run.examples_seen += static_cast<uint64_t>(len);
      ++run.steps;
    }
  }
  return absl::OkStatus();
}

double SampleStandardNormal(SecureRandom& rng) {
  const double u1 = internal::SampleUnitOpen(rng);
  const double u2 = internal::SampleUnitOpen(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

absl::Status TrainDp(Run& run, SecureRandom& rng) {
  const TrainConfig& config = run.config;
  const int64_t n = run.x.size(0);
  const int64_t batch = std::min<int64_t>(config.batch_size, n);
  const double q = static_cast<double>(batch) / static_cast<double>(n);
  const int64_t steps_per_epoch = config.dp_poisson_sampling
                                      ? std::max<int64_t>(1, std::llround(1.0 / q))
                                      : (n + batch - 1) / batch;
  const double noise_stddev = config.dp_noise_multiplier * config.dp_clip_norm;
  std::vector<at::Tensor> sums;
  for (const at::Tensor& p : run.impl.params) sums.push_back(torch::zeros_like(p));
  std::vector<int64_t> members;
  for (int epoch = 0; epoch < config.epochs; ++epoch) {
    const at::Tensor perm = torch::randperm(n, run.generator, torch::kInt64);
    const int64_t* order = perm.data_ptr<int64_t>();
    for (int64_t step = 0; step < steps_per_epoch; ++step) {
      members.clear();
      if (config.dp_poisson_sampling) {
        const auto threshold = static_cast<uint64_t>(q * 0x1.0p53);
        for (int64_t i = 0; i < n; ++i) {
          if ((rng.NextU64() >> 11) < threshold) members.push_back(i);
        }
      } else {
        for (int64_t i = step * batch; i < std::min(n, (step + 1) * batch); ++i) {
          members.push_back(order[i]);
        }
      }
      for (at::Tensor& s : sums) s.zero_();
      for (int64_t i : members) {
        run.optimizer->zero_grad();
        FEDCLOAK_ASSIGN_OR_RETURN(const at::Tensor loss,
                                  run.Loss(run.x.narrow(0, i, 1), run.y.narrow(0, i, 1)));
        loss.backward();
        torch::NoGradGuard no_grad;
        double squared_norm = 0;
        for (const at::Tensor& p : run.impl.params) {
          if (p.grad().defined()) squared_norm += p.grad().pow(2).sum().item<double>();
        }
        const double factor =
            std::min(1.0, config.dp_clip_norm / (std::sqrt(squared_norm) + 1e-12));
        for (size_t k = 0; k < sums.size(); ++k) {
          if (run.impl.params[k].grad().defined()) sums[k].add_(run.impl.params[k].grad(), factor);
        }
        run.loss_sum += loss.item<double>();
        ++run.examples_seen;
      }
      const double divisor = config.dp_poisson_sampling
                                 ? q * static_cast<double>(n)
                                 : static_cast<double>(std::max<size_t>(1, members.size()));
      torch::NoGradGuard no_grad;
      for (size_t k = 0; k < sums.size(); ++k) {
        if (noise_stddev > 0) {
          SecretVector<float> noise(static_cast<size_t>(sums[k].numel()));
          for (float& z : noise) z = static_cast<float>(noise_stddev * SampleStandardNormal(rng));
          sums[k].add_(torch::from_blob(noise.data(), sums[k].sizes(), torch::kFloat32));
        }
        run.impl.params[k].mutable_grad() = sums[k] / divisor;
      }
      run.AddProximalGradient();
      run.optimizer->step();
      ++run.steps;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Trainer> Trainer::Create(const TrainConfig& config, SecureRandom* dp_rng) {
  auto bad = [](std::string_view field, auto value, std::string_view rule) {
    return absl::InvalidArgumentError(
        fmt::format("train config: {} = {} is invalid: {}", field, value, rule));
  };
  if (config.optimizer != "sgd" && config.optimizer != "adam") {
    return bad("optimizer", config.optimizer, "use sgd or adam");
  }
  if (!(config.learning_rate > 0) || !std::isfinite(config.learning_rate)) {
    return bad("learning_rate", config.learning_rate, "must be positive and finite");
  }
  if (!(config.momentum >= 0 && config.momentum < 1)) {
    return bad("momentum", config.momentum, "must be in [0, 1)");
  }
  if (config.epochs < 1 || config.epochs > 100000) {
    return bad("epochs", config.epochs, "must be in [1, 100000]");
  }
  if (config.batch_size < 1) return bad("batch_size", config.batch_size, "must be >= 1");
  if (!(config.fedprox_mu >= 0) || !std::isfinite(config.fedprox_mu)) {
    return bad("fedprox_mu", config.fedprox_mu, "must be >= 0 and finite");
  }
  if (config.threads < -1) return bad("threads", config.threads, "must be >= -1");
  if (!(config.dp_clip_norm >= 0) || !std::isfinite(config.dp_clip_norm)) {
    return bad("dp_clip_norm", config.dp_clip_norm, "must be >= 0 and finite");
  }
  if (!(config.dp_noise_multiplier >= 0) || !std::isfinite(config.dp_noise_multiplier)) {
    return bad("dp_noise_multiplier", config.dp_noise_multiplier, "must be >= 0 and finite");
  }
  if (config.dp_clip_norm == 0 && (config.dp_noise_multiplier > 0 || config.dp_poisson_sampling)) {
    return bad("dp_clip_norm", config.dp_clip_norm,
               "DP noise or Poisson sampling needs a clipping norm > 0");
  }
  return Trainer(config, dp_rng != nullptr ? dp_rng : &DefaultRandom());
}

absl::StatusOr<TrainResult> Trainer::Train(Model& model, const Dataset& data) const {
  Model::Impl& impl = ModelAccess::Get(model);
  if (data.num_examples() == 0) return absl::InvalidArgumentError("no training examples");
  FEDCLOAK_RETURN_IF_ERROR(internal::CheckInputShape(impl, data));
  if (config_.threads >= 0) FEDCLOAK_RETURN_IF_ERROR(SetTorchThreads(config_.threads));
  const std::vector<float> global_flat = model.GetParameters();
  TrainResult result;
  try {
    Run run{config_,
            impl,
            data,
            internal::FeaturesTensor(data),
            internal::LabelsTensor(data),
            {},
            nullptr,
            at::make_generator<at::CPUGeneratorImpl>(config_.seed)};
    for (const at::Tensor& p : impl.params) run.global.push_back(p.detach().clone());
    run.optimizer = MakeOptimizer(config_, impl.params);
    impl.module.train();
    FEDCLOAK_RETURN_IF_ERROR(config_.dp_clip_norm > 0 ? TrainDp(run, *dp_rng_) : TrainPlain(run));
    result.mean_loss =
        run.examples_seen > 0 ? run.loss_sum / static_cast<double>(run.examples_seen) : 0.0;
    result.steps = run.steps;
  } catch (const std::exception& e) {
    return internal::TorchError("training", e);
  }
  result.update = model.GetParameters();
  for (size_t i = 0; i < result.update.size(); ++i) result.update[i] -= global_flat[i];
  result.num_examples = data.num_examples();
  result.sampling_rate = std::min(
      1.0, static_cast<double>(config_.batch_size) / static_cast<double>(data.num_examples()));
  return result;
}

}  // namespace fedcloak::ml
