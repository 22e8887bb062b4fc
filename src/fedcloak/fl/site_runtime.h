// A site's side of the protocol: executes the coordinator's tasks with the site's local
// learner and, in the secure modes, its share of the cryptographic protocol. One
// SiteRuntime per site and session; the simulator wraps it in an InProcessSite, the
// site agent of module net calls it for every task arriving on the stream.
#ifndef FEDCLOAK_FL_SITE_RUNTIME_H_
#define FEDCLOAK_FL_SITE_RUNTIME_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "fedcloak/base/blob.h"
#include "fedcloak/base/secure_random.h"
#include "fedcloak/crypto/ed25519.h"
#include "fedcloak/crypto/x25519.h"
#include "fedcloak/fl/key_attestation.h"
#include "fedcloak/fl/learner.h"
#include "fedcloak/fl/messages.h"
#include "fedcloak/fl/secure_messages.h"
#include "fedcloak/fl/site_handle.h"
#include "fedcloak/fl/update_encoding.h"

namespace fedcloak::secagg {
class SecAggClient;
}  // namespace fedcloak::secagg
namespace fedcloak::crypto {
class ThresholdHeParty;
}  // namespace fedcloak::crypto

namespace fedcloak::fl {

struct SiteIdentity {
  std::string name;
  uint32_t index = 0;  // 1-based position in the run's site list (Shamir evaluation point)
};

// Not thread-safe (one task at a time, as SiteHandle guarantees).
class SiteRuntime final : public TaskHandler {
 public:
  // `learner` and `rng` must outlive the runtime. The site's long-term keys (identity
  // key for SecAgg+, transport key for HE key shares) are drawn from `rng`.
  SiteRuntime(SiteIdentity identity, const SessionId& session, LocalLearner* learner,
              SecureRandom* rng);
  ~SiteRuntime() override;

  // Errors: InvalidArgument for a malformed or mismatched payload, FailedPrecondition
  // for a task out of protocol order, and the learner's own errors.
  absl::StatusOr<TaskResult> Handle(const Task& task) override;

  // Networked runs (key_attestation.h): `attestor` signs this site's enrolment, and
  // `verifier` must accept every other party's relayed credential before this site uses
  // its keys (SecAgg+ setup, HE key setup). Both may be null (the simulator); neither is
  // owned. Set before the first task.
  void set_key_attestation(KeyAttestor* attestor, const KeyVerifier* verifier) {
    attestor_ = attestor;
    verifier_ = verifier;
  }

  const SiteIdentity& identity() const { return identity_; }

 private:
  // The site's update, encoded for the secure modes, and its plaintext training loss.
  struct TrainedUpdate {
    EncodedUpdate encoded;
    double train_loss = 0.0;
  };

  // With a verifier: OK only if `credentials` holds one verified credential per party,
  // in id order, whose keys are the ones in `keys_of(i)`, and this site's own entry
  // (`own_index`) carries this site's name and keys. Without one: OK.
  absl::Status CheckCredentials(const std::vector<PartyCredential>& credentials, size_t parties,
                                size_t own_index,
                                const std::function<bool(size_t, const Enrollment&)>& keys_match);

  absl::StatusOr<ModelBroadcast> DecodeBroadcast(std::span<const uint8_t> blob, uint64_t round);
  absl::StatusOr<LocalUpdate> TrainOn(const ModelBroadcast& m);
  absl::StatusOr<TrainedUpdate> TrainAndEncode(const ModelBroadcast& m, uint64_t round);

  absl::StatusOr<TaskResult> Train(const Task& task);
  absl::StatusOr<TaskResult> Evaluate(const Task& task);
  absl::StatusOr<TaskResult> Enroll(const Task& task);
  // SecAgg+ stages (site_runtime_secagg.cc).
  absl::StatusOr<TaskResult> SecAggAdvertise(const Task& task);
  absl::StatusOr<TaskResult> SecAggShareKeys(const Task& task);
  absl::StatusOr<TaskResult> SecAggMaskedInput(const Task& task);
  absl::StatusOr<TaskResult> SecAggUnmask(const Task& task);
  absl::StatusOr<secagg::SecAggClient*> SecAggClientFor(uint64_t round);
  // Threshold-HE tasks (site_runtime_he.cc).
  absl::StatusOr<TaskResult> HeKeyGen(const Task& task);
  absl::StatusOr<TaskResult> HeKeyShares(const Task& task);
  absl::StatusOr<TaskResult> HeTrain(const Task& task, const ModelBroadcast& m);
  absl::StatusOr<TaskResult> HeDecrypt(const Task& task);

  SiteIdentity identity_;
  SessionId session_;
  LocalLearner* learner_;
  SecureRandom* rng_;
  KeyAttestor* attestor_ = nullptr;
  const KeyVerifier* verifier_ = nullptr;
  crypto::Ed25519KeyPair identity_key_;
  crypto::X25519KeyPair transport_key_;
  uint64_t secagg_round_ = 0;
  std::unique_ptr<secagg::SecAggClient> secagg_;
  std::unique_ptr<crypto::ThresholdHeParty> he_;
};

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_SITE_RUNTIME_H_
