#include "bench/synthetic_site.h"

#include <fmt/format.h>

#include <array>
#include <functional>
#include <vector>

#include "fedcloak/base/prg.h"
#include "fedcloak/base/secure_random.h"
#include "fedcloak/base/status.h"
#include "fedcloak/fl/secure_messages.h"

namespace fedcloak::bench {

absl::StatusOr<fl::LocalUpdate> SyntheticLearner::Train(std::span<const float> global,
                                                        const fl::TrainSettings& settings) {
  if (global.size() != num_parameters_) {
    return absl::InvalidArgumentError(fmt::format(
        "global model has {} parameters, this site expects {}", global.size(), num_parameters_));
  }
  std::array<uint8_t, Prg::kSeedSize> seed{};
  for (size_t i = 0; i < 8; ++i) seed[i] = static_cast<uint8_t>(settings.seed >> (8 * i));
  Prg prg(seed, "fedcloak.bench.synthetic_update");
  std::vector<uint32_t> words(num_parameters_);
  prg.FillU32(words);
  fl::LocalUpdate update;
  update.delta.resize(num_parameters_);
  for (size_t i = 0; i < num_parameters_; ++i) {
    // 24 random bits to a float in [-0.05, 0.05).
    update.delta[i] = (static_cast<float>(words[i] >> 8) * 0x1p-24f - 0.5f) * 0.1f;
  }
  update.num_examples = num_examples_;
  update.train_loss = 0.0;
  return update;
}

absl::StatusOr<fl::LocalMetrics> SyntheticLearner::Evaluate(std::span<const float> params) {
  if (params.size() != num_parameters_) {
    return absl::InvalidArgumentError(fmt::format("model has {} parameters, this site expects {}",
                                                  params.size(), num_parameters_));
  }
  fl::LocalMetrics m;
  m.num_examples = num_examples_;
  return m;
}

SyntheticSiteHandler::SyntheticSiteHandler(std::string site_name, size_t num_parameters)
    : site_name_(std::move(site_name)), learner_(num_parameters, /*num_examples=*/100) {}

SyntheticSiteHandler::~SyntheticSiteHandler() = default;

absl::StatusOr<fl::TaskResult> SyntheticSiteHandler::Handle(const fl::Task& task) {
  if (task.kind == fl::TaskKind::kEnroll) {
    FEDCLOAK_ASSIGN_OR_RETURN(auto start, fl::DecodeSessionStart(task.payload));
    if (runtime_ == nullptr || !(start.first == session_)) {
      session_ = start.first;
      // The index only perturbs the training seed; derive it from the name.
      const auto index = static_cast<uint32_t>(std::hash<std::string>{}(site_name_)&0xffff);
      runtime_ = std::make_unique<fl::SiteRuntime>(fl::SiteIdentity{site_name_, index}, session_,
                                                   &learner_, &DefaultRandom());
      runtime_->set_key_attestation(attestor_, verifier_);
    }
  }
  if (runtime_ == nullptr) {
    return absl::FailedPreconditionError(fmt::format("site {} has no session yet (task {})",
                                                     site_name_, fl::TaskKindName(task.kind)));
  }
  return runtime_->Handle(task);
}

}  // namespace fedcloak::bench
