// Closed-form learners for tests of the engine: no libtorch, exact expected results.
#ifndef FEDCLOAK_FL_TESTING_LEARNERS_H_
#define FEDCLOAK_FL_TESTING_LEARNERS_H_

#include <cmath>
#include <vector>

#include "fedcloak/fl/learner.h"

namespace fedcloak::fl::testing {

// Minimizes 0.5 * ||w - center||^2 by gradient steps: one step per epoch,
// w <- w - lr * (w - center). With lr = 1 and one epoch, w_local = center, so one round
// of FedAvg (server lr 1) yields the example-weighted mean of the centers.
class QuadraticLearner final : public LocalLearner {
 public:
  QuadraticLearner(std::vector<float> center, uint64_t examples)
      : center_(std::move(center)), examples_(examples) {}

  size_t num_parameters() const override { return center_.size(); }

  absl::StatusOr<LocalUpdate> Train(std::span<const float> global,
                                    const TrainSettings& settings) override {
    std::vector<double> w(global.begin(), global.end());
    for (uint32_t e = 0; e < settings.epochs; ++e) {
      for (size_t i = 0; i < w.size(); ++i) {
        const double prox = settings.fedprox_mu * (w[i] - global[i]);
        w[i] -= settings.learning_rate * ((w[i] - center_[i]) + prox);
      }
    }
    LocalUpdate u;
    u.num_examples = examples_;
    u.delta.resize(w.size());
    for (size_t i = 0; i < w.size(); ++i) u.delta[i] = static_cast<float>(w[i] - global[i]);
    u.train_loss = Loss(w);
    ++train_calls;
    return u;
  }

  absl::StatusOr<LocalMetrics> Evaluate(std::span<const float> params) override {
    LocalMetrics m;
    m.loss = Loss(std::vector<double>(params.begin(), params.end()));
    m.accuracy = std::exp(-m.loss);
    m.num_examples = examples_;
    return m;
  }

  int train_calls = 0;

 private:
  double Loss(const std::vector<double>& w) const {
    double s = 0;
    for (size_t i = 0; i < w.size(); ++i) s += 0.5 * (w[i] - center_[i]) * (w[i] - center_[i]);
    return s;
  }

  std::vector<float> center_;
  uint64_t examples_;
};

}  // namespace fedcloak::fl::testing

#endif  // FEDCLOAK_FL_TESTING_LEARNERS_H_
