#include "fedcloak/cli/ml_learner.h"

#include <fmt/format.h>

#include "fedcloak/base/status.h"
#include "fedcloak/ml/evaluate.h"

namespace fedcloak::cli {

absl::StatusOr<ml::Model> BuildModel(const ModelSource& source) {
  if (!source.torchscript_path.empty()) return ml::Model::LoadTorchScript(source.torchscript_path);
  return ml::Model::Create(source.spec);
}

absl::StatusOr<std::unique_ptr<MlLearner>> MlLearner::Create(
    ModelSource source, std::shared_ptr<const ml::Dataset> train,
    std::shared_ptr<const ml::Dataset> test, ml::TrainConfig base) {
  if (train == nullptr || train->num_examples() == 0) {
    return absl::InvalidArgumentError("a site needs at least one training example");
  }
  FEDCLOAK_ASSIGN_OR_RETURN(ml::Model model, BuildModel(source));
  const size_t n = model.num_parameters();
  return std::unique_ptr<MlLearner>(
      new MlLearner(std::move(source), std::move(train), std::move(test), std::move(base), n));
}

absl::StatusOr<ml::Model> MlLearner::ModelWith(std::span<const float> params) const {
  FEDCLOAK_ASSIGN_OR_RETURN(ml::Model model, BuildModel(source_));
  FEDCLOAK_RETURN_IF_ERROR(model.SetParameters(params));
  return model;
}

absl::StatusOr<fl::LocalUpdate> MlLearner::Train(std::span<const float> global,
                                                 const fl::TrainSettings& settings) {
  FEDCLOAK_ASSIGN_OR_RETURN(ml::Model model, ModelWith(global));
  ml::TrainConfig config = base_;
  config.epochs = static_cast<int>(settings.epochs);
  config.batch_size = static_cast<int>(settings.batch_size);
  config.learning_rate = settings.learning_rate;
  config.momentum = config.optimizer == "sgd" ? settings.momentum : 0.0;
  config.fedprox_mu = settings.fedprox_mu;
  config.seed = settings.seed;
  FEDCLOAK_ASSIGN_OR_RETURN(ml::Trainer trainer, ml::Trainer::Create(config));
  FEDCLOAK_ASSIGN_OR_RETURN(ml::TrainResult result, trainer.Train(model, *train_));
  fl::LocalUpdate update;
  update.delta = std::move(result.update);
  update.num_examples = result.num_examples;
  update.train_loss = result.mean_loss;
  return update;
}

fl::LocalMetrics ToLocalMetrics(const ml::EvalMetrics& m) {
  fl::LocalMetrics out;
  out.loss = m.loss;
  out.accuracy = m.accuracy;
  out.auc = m.auc;
  out.precision = m.precision;
  out.recall = m.recall;
  out.num_examples = m.num_examples;
  return out;
}

absl::StatusOr<fl::LocalMetrics> MlLearner::Evaluate(std::span<const float> params) {
  if (test_ == nullptr || test_->num_examples() == 0) {
    return absl::FailedPreconditionError("this site has no test split");
  }
  FEDCLOAK_ASSIGN_OR_RETURN(ml::Model model, ModelWith(params));
  FEDCLOAK_ASSIGN_OR_RETURN(ml::EvalMetrics m, ml::Evaluate(model, *test_));
  return ToLocalMetrics(m);
}

}  // namespace fedcloak::cli
