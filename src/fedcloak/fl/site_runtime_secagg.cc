// SiteRuntime: the SecAgg+ stages. One SecAggClient per round; a task for another round
// than the current client's starts over only at the first stage.
#include <fmt/format.h>

#include "fedcloak/base/status.h"
#include "fedcloak/fl/bundle.h"
#include "fedcloak/fl/secure_messages.h"
#include "fedcloak/fl/site_runtime.h"
#include "fedcloak/secagg/client.h"

namespace fedcloak::fl {

absl::StatusOr<secagg::SecAggClient*> SiteRuntime::SecAggClientFor(uint64_t round) {
  if (secagg_ == nullptr || secagg_round_ != round) {
    return absl::FailedPreconditionError(fmt::format(
        "site {}: no secure aggregation under way for round {}", identity_.name, round));
  }
  return secagg_.get();
}

absl::StatusOr<TaskResult> SiteRuntime::SecAggAdvertise(const Task& task) {
  FEDCLOAK_ASSIGN_OR_RETURN(SecAggSetup setup,
                            DecodeSecAggSetup(task.payload, session_, task.round));
  if (task.round <= secagg_round_ && secagg_ != nullptr) {
    return absl::FailedPreconditionError(
        fmt::format("site {}: round {} is not after round {} (replay?)", identity_.name, task.round,
                    secagg_round_));
  }
  if (setup.site_id == 0 || setup.site_id > setup.num_sites ||
      setup.identity_keys[setup.site_id - 1] != identity_key_.public_key()) {
    return absl::InvalidArgumentError(
        fmt::format("site {}: the setup does not carry this site's identity key at id {}",
                    identity_.name, setup.site_id));
  }
  FEDCLOAK_RETURN_IF_ERROR(CheckCredentials(
      setup.credentials, setup.num_sites, setup.site_id - 1,
      [&](size_t i, const Enrollment& e) { return e.identity_key == setup.identity_keys[i]; }));
  FEDCLOAK_ASSIGN_OR_RETURN(secagg::SecAggParameters params,
                            secagg::SecAggParameters::Create(setup.num_sites, setup.neighbours,
                                                             setup.threshold, setup.vector_length));
  FEDCLOAK_ASSIGN_OR_RETURN(
      secagg::SecAggClient client,
      secagg::SecAggClient::Create(params, task.round, setup.site_id, setup.identity_keys, *rng_));
  secagg_ = std::make_unique<secagg::SecAggClient>(std::move(client));
  secagg_round_ = task.round;
  FEDCLOAK_ASSIGN_OR_RETURN(std::vector<uint8_t> advert, secagg_->AdvertiseKeys(identity_key_));
  return TaskResult{std::move(advert)};
}

absl::StatusOr<TaskResult> SiteRuntime::SecAggShareKeys(const Task& task) {
  FEDCLOAK_ASSIGN_OR_RETURN(secagg::SecAggClient * client, SecAggClientFor(task.round));
  FEDCLOAK_ASSIGN_OR_RETURN(std::vector<uint8_t> out, client->ShareKeys(task.payload));
  return TaskResult{std::move(out)};
}

absl::StatusOr<TaskResult> SiteRuntime::SecAggMaskedInput(const Task& task) {
  FEDCLOAK_ASSIGN_OR_RETURN(secagg::SecAggClient * client, SecAggClientFor(task.round));
  FEDCLOAK_ASSIGN_OR_RETURN(auto parts, DecodeBundle(task.payload, 2));
  FEDCLOAK_ASSIGN_OR_RETURN(ModelBroadcast m, DecodeBroadcast(parts[1], task.round));
  if (m.mode != AggregationMode::kSecAgg) {
    return absl::InvalidArgumentError(
        fmt::format("site {}: model broadcast is not for secure aggregation", identity_.name));
  }
  FEDCLOAK_ASSIGN_OR_RETURN(TrainedUpdate update, TrainAndEncode(m, task.round));
  FEDCLOAK_ASSIGN_OR_RETURN(
      std::vector<uint8_t> masked,
      client->MaskInput(parts[0], update.encoded.values, update.encoded.weight));
  const std::vector<uint8_t> out[] = {std::move(masked),
                                      EncodeTrainReport(update.train_loss, session_, task.round)};
  return TaskResult{EncodeBundle(out)};
}

absl::StatusOr<TaskResult> SiteRuntime::SecAggUnmask(const Task& task) {
  FEDCLOAK_ASSIGN_OR_RETURN(secagg::SecAggClient * client, SecAggClientFor(task.round));
  FEDCLOAK_ASSIGN_OR_RETURN(std::vector<uint8_t> out, client->Unmask(task.payload));
  return TaskResult{std::move(out)};
}

}  // namespace fedcloak::fl
