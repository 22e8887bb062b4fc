// What a site does with its own data, as the engine sees it: train from a global model
// and evaluate a model, both on flat float32 parameter vectors. The CLI adapts module ml
// (libtorch) to this interface; tests use small closed-form learners.
#ifndef FEDCLOAK_FL_LEARNER_H_
#define FEDCLOAK_FL_LEARNER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"

namespace fedcloak::fl {

// Settings the coordinator sends with every training task.
struct TrainSettings {
  uint64_t round = 0;
  uint64_t seed = 0;  // per site and round; the site mixes in its own identity
  uint32_t epochs = 1;
  uint32_t batch_size = 32;
  double learning_rate = 0.01;
  double momentum = 0.0;
  double fedprox_mu = 0.0;  // FedProx proximal term; 0 = off
};

struct LocalUpdate {
  std::vector<float> delta;   // w_local - w_global
  uint64_t num_examples = 0;  // the weight of this update
  double train_loss = 0.0;    // mean training loss of the last epoch
};

struct LocalMetrics {
  double loss = 0.0;
  double accuracy = 0.0;
  std::optional<double> auc;        // binary tasks only
  std::optional<double> precision;  // binary tasks only
  std::optional<double> recall;     // binary tasks only
  uint64_t num_examples = 0;
};

// Implementations need not be thread-safe: the engine calls one learner from one thread
// at a time.
class LocalLearner {
 public:
  virtual ~LocalLearner() = default;
  virtual size_t num_parameters() const = 0;
  virtual absl::StatusOr<LocalUpdate> Train(std::span<const float> global,
                                            const TrainSettings& settings) = 0;
  virtual absl::StatusOr<LocalMetrics> Evaluate(std::span<const float> params) = 0;
};

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_LEARNER_H_
