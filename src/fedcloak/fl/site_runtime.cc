#include "fedcloak/fl/site_runtime.h"

#include <fmt/format.h>

#include <cmath>
#include <set>
#include <string_view>

#include "fedcloak/base/status.h"
#include "fedcloak/crypto/rlwe/threshold_party.h"
#include "fedcloak/fl/messages.h"
#include "fedcloak/fl/secure_messages.h"
#include "fedcloak/secagg/client.h"

namespace fedcloak::fl {

SiteRuntime::SiteRuntime(SiteIdentity identity, const SessionId& session, LocalLearner* learner,
                         SecureRandom* rng)
    : identity_(std::move(identity)),
      session_(session),
      learner_(learner),
      rng_(rng),
      identity_key_(crypto::Ed25519KeyPair::Generate(*rng)),
      transport_key_(crypto::X25519KeyPair::Generate(*rng)) {}

SiteRuntime::~SiteRuntime() = default;

absl::StatusOr<TaskResult> SiteRuntime::Handle(const Task& task) {
  switch (task.kind) {
    case TaskKind::kTrain:
      return Train(task);
    case TaskKind::kEvaluate:
      return Evaluate(task);
    case TaskKind::kEnroll:
      return Enroll(task);
    case TaskKind::kSecAggAdvertise:
      return SecAggAdvertise(task);
    case TaskKind::kSecAggShareKeys:
      return SecAggShareKeys(task);
    case TaskKind::kSecAggMaskedInput:
      return SecAggMaskedInput(task);
    case TaskKind::kSecAggUnmask:
      return SecAggUnmask(task);
    case TaskKind::kHeKeyGen:
      return HeKeyGen(task);
    case TaskKind::kHeKeyShares:
      return HeKeyShares(task);
    case TaskKind::kHeDecrypt:
      return HeDecrypt(task);
    default:
      return absl::InvalidArgumentError(
          fmt::format("site {} cannot handle task {}", identity_.name, TaskKindName(task.kind)));
  }
}

absl::StatusOr<ModelBroadcast> SiteRuntime::DecodeBroadcast(std::span<const uint8_t> blob,
                                                            uint64_t round) {
  FEDCLOAK_ASSIGN_OR_RETURN(ModelBroadcast m, DecodeModelBroadcast(blob, session_, round));
  if (m.params.size() != learner_->num_parameters()) {
    return absl::InvalidArgumentError(fmt::format("global model has {} parameters, site {} has {}",
                                                  m.params.size(), identity_.name,
                                                  learner_->num_parameters()));
  }
  return m;
}

absl::StatusOr<LocalUpdate> SiteRuntime::TrainOn(const ModelBroadcast& m) {
  TrainSettings settings = m.train;
  settings.seed ^= uint64_t{identity_.index} * 0x9e3779b97f4a7c15ull;
  FEDCLOAK_ASSIGN_OR_RETURN(LocalUpdate update, learner_->Train(m.params, settings));
  for (float v : update.delta) {
    if (!std::isfinite(v)) {
      return absl::InternalError(
          fmt::format("site {}: local training diverged (non-finite update)", identity_.name));
    }
  }
  return update;
}

absl::StatusOr<SiteRuntime::TrainedUpdate> SiteRuntime::TrainAndEncode(const ModelBroadcast& m,
                                                                       uint64_t round) {
  FEDCLOAK_ASSIGN_OR_RETURN(UpdateEncoding encoding,
                            UpdateEncoding::Create(m.encoding, m.params.size(), session_, round));
  FEDCLOAK_ASSIGN_OR_RETURN(LocalUpdate update, TrainOn(m));
  TrainedUpdate out;
  out.train_loss = update.train_loss;
  FEDCLOAK_ASSIGN_OR_RETURN(out.encoded, encoding.Encode(update, *rng_));
  return out;
}

absl::StatusOr<TaskResult> SiteRuntime::Train(const Task& task) {
  FEDCLOAK_ASSIGN_OR_RETURN(ModelBroadcast m, DecodeBroadcast(task.payload, task.round));
  if (m.mode == AggregationMode::kHe) return HeTrain(task, m);
  if (m.mode != AggregationMode::kPlain) {
    return absl::InvalidArgumentError(
        fmt::format("site {}: a training task for secure aggregation comes with its protocol stage",
                    identity_.name));
  }
  FEDCLOAK_ASSIGN_OR_RETURN(LocalUpdate update, TrainOn(m));
  return TaskResult{EncodePlainUpdate(update, session_, task.round)};
}

absl::StatusOr<TaskResult> SiteRuntime::Enroll(const Task& task) {
  FEDCLOAK_ASSIGN_OR_RETURN(auto start, DecodeSessionStart(task.payload));
  if (!(start.first == session_)) {
    return absl::InvalidArgumentError(
        fmt::format("site {}: enrollment for session {}..., this "
                    "site serves session {}...",
                    identity_.name, start.first.ShortHex(), session_.ShortHex()));
  }
  Enrollment e;
  e.identity_key = identity_key_.public_key();
  e.transport_key = transport_key_.public_key();
  if (attestor_ != nullptr) {
    FEDCLOAK_ASSIGN_OR_RETURN(e.attestation,
                              attestor_->Attest(EnrollmentStatement(session_, identity_.name, e)));
  }
  return TaskResult{EncodeEnrollment(e, session_)};
}

absl::Status SiteRuntime::CheckCredentials(
    const std::vector<PartyCredential>& credentials, size_t parties, size_t own_index,
    const std::function<bool(size_t, const Enrollment&)>& keys_match) {
  if (verifier_ == nullptr) return absl::OkStatus();
  if (credentials.size() != parties) {
    return absl::PermissionDeniedError(
        fmt::format("site {}: the coordinator relayed {} attested credentials for {} parties; "
                    "this site uses no key it cannot check",
                    identity_.name, credentials.size(), parties));
  }
  std::set<std::string_view> names;
  for (size_t i = 0; i < parties; ++i) {
    const PartyCredential& c = credentials[i];
    if (!names.insert(c.name).second) {
      return absl::PermissionDeniedError(
          fmt::format("site {}: party name {} appears twice", identity_.name, c.name));
    }
    if (!keys_match(i, c.enrollment)) {
      return absl::PermissionDeniedError(
          fmt::format("site {}: the keys of party {} ({}) differ from its credential",
                      identity_.name, i + 1, c.name));
    }
    if (i == own_index) {
      if (c.name != identity_.name || c.enrollment.identity_key != identity_key_.public_key() ||
          c.enrollment.transport_key != transport_key_.public_key()) {
        return absl::PermissionDeniedError(fmt::format(
            "site {}: the credential at this site's position {} is not this site's ({})",
            identity_.name, i + 1, c.name));
      }
      continue;
    }
    const std::vector<uint8_t> statement = EnrollmentStatement(session_, c.name, c.enrollment);
    if (absl::Status s = verifier_->Verify(c.name, statement, c.enrollment.attestation); !s.ok()) {
      return absl::Status(s.code(),
                          fmt::format("site {}: the enrolment of party {} ({}) is not attested: {}",
                                      identity_.name, i + 1, c.name, std::string(s.message())));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<TaskResult> SiteRuntime::Evaluate(const Task& task) {
  FEDCLOAK_ASSIGN_OR_RETURN(ModelBroadcast m, DecodeBroadcast(task.payload, task.round));
  FEDCLOAK_ASSIGN_OR_RETURN(LocalMetrics metrics, learner_->Evaluate(m.params));
  return TaskResult{EncodeEvalResult(metrics, session_, task.round)};
}

}  // namespace fedcloak::fl
