// SecAggServer: the coordinator side of one SecAgg+ round, as a transport-free state
// machine. The caller feeds it the sites' blobs (with the site id the transport
// authenticated) and delivers what it returns:
//
//   AddAdvertisement(site, blob)*     FinishAdvertising() -> KeyDirectory blob per site
//   AddShareKeys(site, blob)*         FinishSharing()     -> EncryptedShares blob per site
//   AddMaskedInput(site, blob)*       FinishMasking()     -> UnmaskingRequest blob per site
//   AddUnmaskingResponse(site, blob)* Finish()            -> SecAggResult
//
// A site that sends nothing before the caller's deadline for a stage has dropped; the
// caller then calls Finish...(). Add... rejects a message without changing the state:
// FailedPrecondition if it comes at the wrong stage or twice from one site, or from a
// site not expected at this stage; InvalidArgument if its header names another round,
// session or parameter set, its claimed sender is not `from_site`, or its content does
// not match the protocol (wrong recipients, wrong share types, wrong length); DataLoss if
// it does not parse or (AdvertiseKeys) its signature does not verify. Finish...() returns
// FailedPrecondition and aborts the round when fewer than t sites are left, or (Finish)
// when some secret cannot be reconstructed from t shares; DataLoss if a reconstructed mask
// key does not match its advertised public key.
//
// The coordinator accumulates masked inputs as they arrive (memory: one vector). It
// never holds a site's unmasked input. Movable; not thread-safe.
#ifndef FEDCLOAK_SECAGG_SERVER_H_
#define FEDCLOAK_SECAGG_SERVER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fedcloak/base/blob.h"
#include "fedcloak/crypto/ed25519.h"
#include "fedcloak/secagg/messages.h"
#include "fedcloak/secagg/parameters.h"

namespace fedcloak::secagg {

struct SecAggResult {
  std::vector<uint32_t> sum;        // vector_length values: sum of survivors' inputs mod 2^32
  uint32_t total_weight = 0;        // sum of survivors' weights mod 2^32
  std::vector<uint32_t> survivors;  // sites whose input is in the sum, increasing
  std::vector<uint32_t> dropouts;   // every other configured site, increasing
};

// Blobs to deliver, by recipient site id.
using OutgoingMessages = std::map<uint32_t, std::vector<uint8_t>>;

class SecAggServer {
 public:
  enum class Stage { kAdvertise, kShareKeys, kMaskedInput, kUnmasking, kDone, kAborted };

  // `identity_keys[i]` is the Ed25519 identity public key of site i + 1. InvalidArgument
  // unless there are num_sites keys.
  static absl::StatusOr<SecAggServer> Create(const SecAggParameters& params, uint64_t round,
                                             std::vector<crypto::Ed25519PublicKey> identity_keys);

  SecAggServer(SecAggServer&&) noexcept;
  SecAggServer& operator=(SecAggServer&&) noexcept;
  ~SecAggServer();

  absl::Status AddAdvertisement(uint32_t from_site, std::span<const uint8_t> blob);
  absl::StatusOr<OutgoingMessages> FinishAdvertising();
  absl::Status AddShareKeys(uint32_t from_site, std::span<const uint8_t> blob);
  absl::StatusOr<OutgoingMessages> FinishSharing();
  absl::Status AddMaskedInput(uint32_t from_site, std::span<const uint8_t> blob);
  absl::StatusOr<OutgoingMessages> FinishMasking();
  absl::Status AddUnmaskingResponse(uint32_t from_site, std::span<const uint8_t> blob);
  absl::StatusOr<SecAggResult> Finish();

  Stage stage() const { return stage_; }
  const SessionId& session() const { return session_; }
  // Sites expected at the current stage that have not sent their message yet.
  std::vector<uint32_t> Pending() const;
  const absl::Status& abort_status() const { return abort_status_; }

 private:
  struct State;

  SecAggServer(const SecAggParameters& params, uint64_t round,
               std::vector<crypto::Ed25519PublicKey> identity_keys);

  absl::Status ExpectStage(Stage stage, std::string_view call) const;
  absl::Status CheckSender(uint32_t from_site, uint32_t claimed, std::string_view what,
                           const std::vector<uint32_t>& expected) const;
  absl::Status Abort(absl::Status status);
  absl::Status RequireQuorum(size_t count, std::string_view what);
  MessageContext Context() const;
  absl::StatusOr<SecAggResult> DoFinish();

  SecAggParameters params_;
  uint64_t round_;
  std::vector<crypto::Ed25519PublicKey> identity_keys_;
  Stage stage_ = Stage::kAdvertise;
  absl::Status abort_status_;
  SessionId session_;
  std::unique_ptr<State> state_;
};

}  // namespace fedcloak::secagg

#endif  // FEDCLOAK_SECAGG_SERVER_H_
