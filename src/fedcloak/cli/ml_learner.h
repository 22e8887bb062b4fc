// Adapts module ml (libtorch) to the engine's LocalLearner interface: a site's local
// training and evaluation on its own data. The model is built only while a task runs,
// so a simulation's memory grows with its worker count, not with its number of sites.
#ifndef FEDCLOAK_CLI_ML_LEARNER_H_
#define FEDCLOAK_CLI_ML_LEARNER_H_

#include <memory>
#include <string>

#include "fedcloak/fl/learner.h"
#include "fedcloak/ml/dataset.h"
#include "fedcloak/ml/metrics.h"
#include "fedcloak/ml/model.h"
#include "fedcloak/ml/trainer.h"

namespace fedcloak::cli {

struct ModelSource {
  ml::ModelSpec spec;            // used when torchscript_path is empty
  std::string torchscript_path;  // a module saved with torch.jit.save
};

// Builds the model a run starts from (also used to count parameters).
absl::StatusOr<ml::Model> BuildModel(const ModelSource& source);

class MlLearner final : public fl::LocalLearner {
 public:
  // `train` and `test` are this site's splits; `base` supplies optimizer, threads and DP
  // settings (epochs, batch size, learning rate, momentum, FedProx mu and seed come from
  // the coordinator with every task).
  static absl::StatusOr<std::unique_ptr<MlLearner>> Create(ModelSource source,
                                                           std::shared_ptr<const ml::Dataset> train,
                                                           std::shared_ptr<const ml::Dataset> test,
                                                           ml::TrainConfig base);

  size_t num_parameters() const override { return num_parameters_; }
  absl::StatusOr<fl::LocalUpdate> Train(std::span<const float> global,
                                        const fl::TrainSettings& settings) override;
  absl::StatusOr<fl::LocalMetrics> Evaluate(std::span<const float> params) override;

 private:
  MlLearner(ModelSource source, std::shared_ptr<const ml::Dataset> train,
            std::shared_ptr<const ml::Dataset> test, ml::TrainConfig base, size_t n)
      : source_(std::move(source)),
        train_(std::move(train)),
        test_(std::move(test)),
        base_(std::move(base)),
        num_parameters_(n) {}

  absl::StatusOr<ml::Model> ModelWith(std::span<const float> params) const;

  ModelSource source_;
  std::shared_ptr<const ml::Dataset> train_;
  std::shared_ptr<const ml::Dataset> test_;
  ml::TrainConfig base_;
  size_t num_parameters_;
};

fl::LocalMetrics ToLocalMetrics(const ml::EvalMetrics& m);

}  // namespace fedcloak::cli

#endif  // FEDCLOAK_CLI_ML_LEARNER_H_
