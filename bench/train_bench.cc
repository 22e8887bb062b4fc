#include "bench/train_bench.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "bench/median.h"
#include "fedcloak/base/status.h"
#include "fedcloak/ml/dataset.h"
#include "fedcloak/ml/idx_loader.h"
#include "fedcloak/ml/libsvm_loader.h"
#include "fedcloak/ml/model.h"
#include "fedcloak/ml/trainer.h"

namespace fedcloak::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr double kLearningRate = 0.01;
constexpr double kMomentum = 0.9;

absl::StatusOr<ml::Dataset> LoadData(const TrainBenchOptions& options) {
  if (options.dataset == "fashion-mnist") {
    ml::IdxOptions idx;
    idx.max_examples = static_cast<size_t>(options.samples);
    const std::string dir = "/usr/share/datasets/fashion-mnist/";
    return ml::LoadIdxDataset(dir + "train-images-idx3-ubyte.gz",
                              dir + "train-labels-idx1-ubyte.gz", idx);
  }
  if (options.dataset == "heart") {
    return ml::LoadLibsvm("/usr/share/doc/liblinear-tools/examples/heart_scale");
  }
  return absl::InvalidArgumentError(
      fmt::format("unknown benchmark dataset '{}' (known: fashion-mnist, heart)", options.dataset));
}

// The bare-libtorch twin of each built-in architecture (see src/fedcloak/ml/model.h).
absl::StatusOr<torch::nn::Sequential> BareModel(const std::string& arch,
                                                const std::vector<int64_t>& shape,
                                                int64_t classes) {
  namespace nn = torch::nn;
  int64_t width = 1;
  for (int64_t d : shape) width *= d;
  if (arch == "mlp") {
    return nn::Sequential(nn::Flatten(), nn::Linear(width, 64), nn::ReLU(),
                          nn::Linear(64, classes));
  }
  if (arch != "cnn" && arch != "mcmahan-cnn") {
    return absl::InvalidArgumentError(
        fmt::format("unknown benchmark model '{}' (known: cnn, mcmahan-cnn, mlp)", arch));
  }
  const bool small = arch == "cnn";
  const int64_t c1 = small ? 16 : 32, c2 = small ? 32 : 64, hidden = small ? 64 : 512;
  const int64_t pad = small ? 0 : 2;
  auto side = [&](int64_t s) { return ((s + 2 * pad - 4) / 2 + 2 * pad - 4) / 2; };
  const int64_t flat = c2 * side(shape[1]) * side(shape[2]);
  return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(shape[0], c1, 5).padding(pad)), nn::ReLU(),
                        nn::MaxPool2d(2), nn::Conv2d(nn::Conv2dOptions(c1, c2, 5).padding(pad)),
                        nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(), nn::Linear(flat, hidden),
                        nn::ReLU(), nn::Linear(hidden, classes));
}

// A plain libtorch training loop: what a libtorch user would write.
void BareEpochs(torch::nn::Sequential& net, torch::optim::SGD& sgd, const torch::Tensor& x,
                const torch::Tensor& y, int epochs, int64_t batch) {
  const int64_t n = x.size(0);
  for (int e = 0; e < epochs; ++e) {
    const torch::Tensor perm = torch::randperm(n, torch::kInt64);
    for (int64_t begin = 0; begin < n; begin += batch) {
      const torch::Tensor idx = perm.narrow(0, begin, std::min(batch, n - begin));
      sgd.zero_grad();
      const torch::Tensor loss = torch::nn::functional::cross_entropy(
          net->forward(x.index_select(0, idx)), y.index_select(0, idx));
      loss.backward();
      sgd.step();
    }
  }
}

template <typename F>
double Seconds(F&& f) {
  const auto start = Clock::now();
  f();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

absl::StatusOr<nlohmann::json> RunTrainBenchmark(const TrainBenchOptions& options) {
  if (options.batch_size < 1 || options.threads < 1 || options.samples < 1 ||
      options.repetitions < 1) {
    return absl::InvalidArgumentError(
        fmt::format("batch_size {}, threads {}, samples {} and repetitions {} must all be >= 1",
                    options.batch_size, options.threads, options.samples, options.repetitions));
  }
  FEDCLOAK_ASSIGN_OR_RETURN(const ml::Dataset data, LoadData(options));
  const int epochs = static_cast<int>(
      (static_cast<size_t>(options.samples) + data.num_examples() - 1) / data.num_examples());
  const double samples = static_cast<double>(epochs) * static_cast<double>(data.num_examples());
  ml::ModelSpec spec;
  spec.architecture = options.model;
  spec.input_shape = data.example_shape();
  spec.num_classes = data.num_classes();
  if (options.model == "mlp") spec.input_shape = {static_cast<int64_t>(data.example_size())};
  FEDCLOAK_ASSIGN_OR_RETURN(ml::Model model, ml::Model::Create(spec));
  ml::TrainConfig config;
  config.learning_rate = kLearningRate;
  config.momentum = kMomentum;
  config.batch_size = options.batch_size;
  config.epochs = epochs;
  config.threads = options.threads;
  FEDCLOAK_ASSIGN_OR_RETURN(const ml::Trainer trainer, ml::Trainer::Create(config));
  ml::TrainConfig warmup_config = config;
  warmup_config.epochs = 1;
  FEDCLOAK_ASSIGN_OR_RETURN(const ml::Trainer warmup, ml::Trainer::Create(warmup_config));

  std::vector<double> fedcloak_runs;
  std::vector<double> bare_runs;
  try {
    FEDCLOAK_ASSIGN_OR_RETURN(torch::nn::Sequential net,
                              BareModel(options.model, data.example_shape(), data.num_classes()));
    torch::optim::SGD sgd(net->parameters(),
                          torch::optim::SGDOptions(kLearningRate).momentum(kMomentum));
    std::vector<int64_t> shape = {static_cast<int64_t>(data.num_examples())};
    shape.insert(shape.end(), data.example_shape().begin(), data.example_shape().end());
    const torch::Tensor x =
        torch::from_blob(const_cast<float*>(data.features().data()), shape, torch::kFloat32);
    const torch::Tensor y =
        torch::from_blob(const_cast<int64_t*>(data.labels().data()),
                         {static_cast<int64_t>(data.num_examples())}, torch::kInt64);
    // Warm-up (allocator, OpenMP pool), then alternate the two loops so that load from
    // other processes hits both alike.
    torch::set_num_threads(options.threads);
    BareEpochs(net, sgd, x, y, 1, options.batch_size);
    FEDCLOAK_RETURN_IF_ERROR(warmup.Train(model, data).status());
    for (int r = 0; r < options.repetitions; ++r) {
      torch::set_num_threads(options.threads);
      bare_runs.push_back(Seconds([&] { BareEpochs(net, sgd, x, y, epochs, options.batch_size); }));
      absl::Status status;
      fedcloak_runs.push_back(Seconds([&] { status = trainer.Train(model, data).status(); }));
      FEDCLOAK_RETURN_IF_ERROR(status);
    }
  } catch (const std::exception& e) {
    return absl::InternalError(fmt::format("bare libtorch loop: {}", e.what()));
  }
  const double fedcloak_rate = samples / Median(fedcloak_runs);
  const double bare_rate = samples / Median(bare_runs);
  nlohmann::json out;
  out["samples_per_s"] = fedcloak_rate;
  out["bare_samples_per_s"] = bare_rate;
  out["ratio"] = fedcloak_rate / bare_rate;
  out["model"] = options.model;
  out["dataset"] = options.dataset;
  out["batch_size"] = options.batch_size;
  out["threads"] = options.threads;
  out["samples"] = samples;
  out["repetitions"] = options.repetitions;
  out["fedcloak_runs_s"] = fedcloak_runs;
  out["bare_runs_s"] = bare_runs;
  out["num_parameters"] = model.num_parameters();
  return out;
}

}  // namespace fedcloak::bench
