// Trainer: local training of a Model on a site's Dataset, the step every federated round
// runs at each site. Torch-free interface.
//
// One Train() call: reads w_global = the model's current parameters, runs `epochs`
// passes of mini-batch SGD (with momentum) or Adam over a fresh seeded shuffle each
// epoch, minimizing the mean cross-entropy plus the FedProx term (mu/2)*||w - w_global||^2,
// leaves w_local in the model and returns update = w_local - w_global. The optimizer
// state (momentum, Adam moments) starts fresh every call.
//
// Determinism: the shuffle comes from a torch generator seeded with TrainConfig::seed,
// and DP noise/sampling from the SecureRandom given to Create; with the same seed,
// data, initial parameters, thread count and machine, Train returns bit-identical results
// (tested with 1 and 2 threads, MLP and small CNN). Different thread counts may differ in the last
// bits (parallel reductions split differently).
//
// DP-SGD (Abadi et al. 2016) when dp_clip_norm > 0: each example's gradient is computed
// alone (a micro-batch of one), clipped to L2 norm <= dp_clip_norm, the clipped gradients
// summed, Gaussian noise N(0, (dp_noise_multiplier * dp_clip_norm)^2) added per
// coordinate, and the sum divided by the batch size (the expected batch size q*n under
// Poisson sampling). The privacy accountant (module dp) needs TrainResult::sampling_rate
// and ::steps. The FedProx gradient is added after noising (it does not touch data).
//
// Thread safety: a Trainer is immutable; Train() on distinct models may run on different
// threads. TrainConfig::threads goes to SetTorchThreads in the calling thread: Debian's
// libtorch uses the OpenMP backend, whose thread count is kept per OS thread.
#ifndef FEDCLOAK_ML_TRAINER_H_
#define FEDCLOAK_ML_TRAINER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/base/secure_random.h"
#include "fedcloak/ml/dataset.h"
#include "fedcloak/ml/model.h"

namespace fedcloak::ml {

struct TrainConfig {
  std::string optimizer = "sgd";  // "sgd" or "adam"
  double learning_rate = 0.01;    // > 0
  double momentum = 0.0;          // sgd only, in [0, 1)
  int epochs = 1;                 // >= 1
  int batch_size = 32;            // >= 1; the last batch of an epoch may be smaller
  double fedprox_mu = 0.0;        // >= 0; 0 = plain FedAvg local training
  uint64_t seed = 0;              // shuffling
  // libtorch intra-op threads set at the start of Train: 0 = all cores, -1 = leave the
  // process setting unchanged. Default: 0.
  int threads = 0;
  // DP-SGD; off while dp_clip_norm == 0.
  double dp_clip_norm = 0.0;         // C > 0 enables per-example clipping
  double dp_noise_multiplier = 0.0;  // z >= 0; needs dp_clip_norm > 0
  // Poisson sampling (DP only): each step includes every example independently with
  // probability q = batch_size / n; an epoch is round(n / batch_size) steps.
  bool dp_poisson_sampling = false;
};

struct TrainResult {
  std::vector<float> update;   // w_local - w_global, flat layout of the model
  uint64_t num_examples = 0;   // examples in the local data set (the FedAvg weight)
  double mean_loss = 0.0;      // mean cross-entropy over all examples seen while training
                               // (without the FedProx term)
  uint64_t steps = 0;          // optimizer steps taken
  double sampling_rate = 0.0;  // batch_size / n (Poisson: the inclusion probability q)
};

class Trainer {
 public:
  // Validates `config`; InvalidArgument names the bad field. `dp_rng` supplies DP noise
  // and Poisson sampling (nullptr: DefaultRandom()); it must outlive the Trainer.
  static absl::StatusOr<Trainer> Create(const TrainConfig& config, SecureRandom* dp_rng = nullptr);

  // Trains `model` on `data` as described above. InvalidArgument if `data` is empty, does
  // not fit the model's input shape, or has more classes than the model's outputs, or if
  // libtorch raises (message included). On error the model's parameters are unspecified.
  absl::StatusOr<TrainResult> Train(Model& model, const Dataset& data) const;

  const TrainConfig& config() const { return config_; }

 private:
  Trainer(const TrainConfig& config, SecureRandom* dp_rng) : config_(config), dp_rng_(dp_rng) {}

  TrainConfig config_;
  SecureRandom* dp_rng_;
};

}  // namespace fedcloak::ml

#endif  // FEDCLOAK_ML_TRAINER_H_
