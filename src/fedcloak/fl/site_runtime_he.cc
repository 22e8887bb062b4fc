// SiteRuntime: the threshold-HE tasks. The party object lives for the session: key
// generation once, then one encryption and at most one decryption share per round.
#include <fmt/format.h>

#include "fedcloak/base/status.h"
#include "fedcloak/crypto/rlwe/ciphertext_vector.h"
#include "fedcloak/crypto/rlwe/threshold_party.h"
#include "fedcloak/fl/bundle.h"
#include "fedcloak/fl/he_aggregation.h"
#include "fedcloak/fl/secure_messages.h"
#include "fedcloak/fl/site_runtime.h"

namespace fedcloak::fl {

absl::StatusOr<TaskResult> SiteRuntime::HeKeyGen(const Task& task) {
  if (he_ != nullptr) {
    return absl::FailedPreconditionError(
        fmt::format("site {}: HE key generation already ran in this session", identity_.name));
  }
  FEDCLOAK_ASSIGN_OR_RETURN(HeKeySetup setup, DecodeHeKeySetup(task.payload, session_));
  if (setup.party_id == 0 || setup.party_id > setup.num_parties ||
      setup.transport_keys[setup.party_id - 1] != transport_key_.public_key()) {
    return absl::InvalidArgumentError(
        fmt::format("site {}: the key setup does not carry this site's transport key at id {}",
                    identity_.name, setup.party_id));
  }
  FEDCLOAK_RETURN_IF_ERROR(CheckCredentials(
      setup.credentials, setup.num_parties, setup.party_id - 1,
      [&](size_t i, const Enrollment& e) { return e.transport_key == setup.transport_keys[i]; }));
  FEDCLOAK_ASSIGN_OR_RETURN(auto ctx, HeContextFor(setup.parameter_set));
  FEDCLOAK_ASSIGN_OR_RETURN(
      crypto::X25519KeyPair transport,
      crypto::X25519KeyPair::FromSecretKey(transport_key_.secret_key().Clone()));
  crypto::ThresholdConfig config{session_, setup.num_parties, setup.threshold};
  FEDCLOAK_ASSIGN_OR_RETURN(
      crypto::ThresholdHeParty party,
      crypto::ThresholdHeParty::Create(ctx, config, setup.party_id, std::move(transport),
                                       setup.transport_keys));
  auto party_ptr = std::make_unique<crypto::ThresholdHeParty>(std::move(party));
  FEDCLOAK_ASSIGN_OR_RETURN(crypto::ThresholdHeParty::KeyGenMessage msg,
                            party_ptr->StartKeyGeneration(*rng_));
  he_ = std::move(party_ptr);
  std::vector<std::vector<uint8_t>> parts;
  parts.push_back(std::move(msg.public_key_share));
  for (auto& e : msg.envelopes) parts.push_back(std::move(e));
  return TaskResult{EncodeBundle(parts)};
}

absl::StatusOr<TaskResult> SiteRuntime::HeKeyShares(const Task& task) {
  if (he_ == nullptr) {
    return absl::FailedPreconditionError(
        fmt::format("site {}: key shares arrived before key generation", identity_.name));
  }
  FEDCLOAK_ASSIGN_OR_RETURN(auto outer, DecodeBundle(task.payload, 2));
  FEDCLOAK_ASSIGN_OR_RETURN(auto pk_parts, DecodeBundleAny(outer[0]));
  FEDCLOAK_ASSIGN_OR_RETURN(auto env_parts, DecodeBundleAny(outer[1]));
  std::vector<std::vector<uint8_t>> pk_shares, envelopes;
  for (auto p : pk_parts) pk_shares.emplace_back(p.begin(), p.end());
  for (auto p : env_parts) envelopes.emplace_back(p.begin(), p.end());
  FEDCLOAK_RETURN_IF_ERROR(he_->FinishKeyGeneration(pk_shares, envelopes));
  return TaskResult{he_->collective_key().Serialize()};
}

absl::StatusOr<TaskResult> SiteRuntime::HeTrain(const Task& task, const ModelBroadcast& m) {
  if (he_ == nullptr || !he_->ready()) {
    return absl::FailedPreconditionError(
        fmt::format("site {}: no collective HE key yet", identity_.name));
  }
  FEDCLOAK_ASSIGN_OR_RETURN(TrainedUpdate update, TrainAndEncode(m, task.round));
  // The weight travels encrypted too, as the last value.
  update.encoded.values.push_back(update.encoded.weight);
  FEDCLOAK_ASSIGN_OR_RETURN(crypto::CiphertextVector ct,
                            he_->Encrypt(update.encoded.values, task.round, *rng_));
  const std::vector<uint8_t> parts[] = {ct.Serialize(),
                                        EncodeTrainReport(update.train_loss, session_, task.round)};
  return TaskResult{EncodeBundle(parts)};
}

absl::StatusOr<TaskResult> SiteRuntime::HeDecrypt(const Task& task) {
  if (he_ == nullptr || !he_->ready()) {
    return absl::FailedPreconditionError(
        fmt::format("site {}: no HE key share to decrypt with", identity_.name));
  }
  FEDCLOAK_ASSIGN_OR_RETURN(auto parts, DecodeBundle(task.payload, 2));
  crypto::CiphertextExpectation expect;
  expect.session = session_;
  expect.round = task.round;
  FEDCLOAK_ASSIGN_OR_RETURN(
      crypto::CiphertextVector aggregate,
      crypto::CiphertextVector::Load(he_->collective_key().shared_context(), parts[0], expect));
  FEDCLOAK_ASSIGN_OR_RETURN(std::vector<uint32_t> active,
                            DecodeActiveSet(parts[1], session_, task.round));
  FEDCLOAK_ASSIGN_OR_RETURN(std::vector<uint8_t> share,
                            he_->DecryptShare(aggregate, active, *rng_));
  return TaskResult{std::move(share)};
}

}  // namespace fedcloak::fl
