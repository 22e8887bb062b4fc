// SecAggClient: the site side of one SecAgg+ round, as a transport-free state machine.
// The caller moves opaque blobs between it and the coordinator's SecAggServer:
//
//   AdvertiseKeys(identity)            -> AdvertiseKeys blob          (to coordinator)
//   ShareKeys(KeyDirectory blob)       -> ShareKeys blob              (to coordinator)
//   MaskInput(EncryptedShares blob, x, weight) -> MaskedInput blob    (to coordinator)
//   Unmask(UnmaskingRequest blob)      -> UnmaskingResponse blob      (to coordinator)
//
// Each call must come in this order, once. A call out of order, or a replayed or
// duplicated message, returns FailedPrecondition and leaves the state unchanged; so does
// a message whose header names another round, session or parameter set (InvalidArgument)
// or that does not parse (DataLoss), since it may be a stray message. A well-formed
// message from the coordinator that breaks the protocol (bad signature in the directory,
// own keys missing or altered, shares from a non-neighbour or failing authentication,
// overlapping or contradictory survivor and dropout lists, fewer than t survivors) aborts
// the round: that call and every later call return an error, and no secret is revealed.
//
// The client holds its mask key, self-mask seed and the shares it received in zeroizing
// memory. It keeps a reference to `rng`, which must outlive it. Movable; not thread-safe.
#ifndef FEDCLOAK_SECAGG_CLIENT_H_
#define FEDCLOAK_SECAGG_CLIENT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fedcloak/base/blob.h"
#include "fedcloak/base/secret.h"
#include "fedcloak/base/secure_random.h"
#include "fedcloak/crypto/ed25519.h"
#include "fedcloak/crypto/x25519.h"
#include "fedcloak/secagg/messages.h"
#include "fedcloak/secagg/neighbour_graph.h"
#include "fedcloak/secagg/parameters.h"

namespace fedcloak::secagg {

class SecAggClient {
 public:
  enum class Stage { kAdvertise, kShareKeys, kMaskInput, kUnmask, kDone, kAborted };

  // `identity_keys[i]` is the Ed25519 identity public key of site i + 1 (from enrollment).
  // InvalidArgument unless 1 <= site_id <= num_sites and identity_keys has num_sites
  // entries.
  static absl::StatusOr<SecAggClient> Create(const SecAggParameters& params, uint64_t round,
                                             uint32_t site_id,
                                             std::vector<crypto::Ed25519PublicKey> identity_keys,
                                             SecureRandom& rng);

  SecAggClient(SecAggClient&&) noexcept;
  SecAggClient& operator=(SecAggClient&&) noexcept;
  ~SecAggClient();

  // Stage 0: draws the encryption and mask key pairs and signs them with `identity`.
  // InvalidArgument if identity's public key is not this site's enrolled key.
  absl::StatusOr<std::vector<uint8_t>> AdvertiseKeys(const crypto::Ed25519KeyPair& identity);

  // Stage 1: checks the directory (signatures, own keys, session id), derives the
  // neighbourhood, Shamir-shares the mask key and a fresh self-mask seed (t of the k + 1
  // holders) and seals one share pair to each neighbour.
  absl::StatusOr<std::vector<uint8_t>> ShareKeys(std::span<const uint8_t> key_directory);

  // Stage 2: opens the shares from its mask partners and masks `input` (the encoded
  // update, vector_length values) and `weight`. InvalidArgument (no state change) if
  // input has the wrong length.
  absl::StatusOr<std::vector<uint8_t>> MaskInput(std::span<const uint8_t> encrypted_shares,
                                                 std::span<const uint32_t> input, uint32_t weight);

  // Stage 3: checks the survivor and dropout lists and reveals, for itself and each mask
  // partner, the self-mask-seed share (survivor) or the mask-key share (dropout).
  absl::StatusOr<std::vector<uint8_t>> Unmask(std::span<const uint8_t> unmasking_request);

  Stage stage() const { return stage_; }
  uint32_t site_id() const { return site_id_; }
  // The session id, known after ShareKeys (all zero before).
  const SessionId& session() const { return session_; }
  // Why the round was aborted (OK unless stage() == kAborted).
  const absl::Status& abort_status() const { return abort_status_; }
  // Mask partners (neighbours whose shares arrived), known after MaskInput.
  const std::vector<uint32_t>& partners() const { return partners_; }

 private:
  struct Keys;

  SecAggClient(const SecAggParameters& params, uint64_t round, uint32_t site_id,
               std::vector<crypto::Ed25519PublicKey> identity_keys, SecureRandom& rng);

  absl::Status ExpectStage(Stage stage, std::string_view call) const;
  absl::Status Abort(absl::Status status);
  MessageContext Context() const;
  absl::StatusOr<std::vector<uint8_t>> DoShareKeys(const KeyDirectory& directory);
  absl::StatusOr<std::vector<uint8_t>> DoMaskInput(const EncryptedShares& shares,
                                                   std::span<const uint32_t> input,
                                                   uint32_t weight);
  absl::StatusOr<std::vector<uint8_t>> DoUnmask(const UnmaskingRequest& request);

  SecAggParameters params_;
  uint64_t round_;
  uint32_t site_id_;
  std::vector<crypto::Ed25519PublicKey> identity_keys_;
  SecureRandom* rng_;
  Stage stage_ = Stage::kAdvertise;
  absl::Status abort_status_;
  SessionId session_;
  std::unique_ptr<Keys> keys_;  // key pairs, directory, seeds and received shares
  std::vector<uint32_t> partners_;
};

}  // namespace fedcloak::secagg

#endif  // FEDCLOAK_SECAGG_CLIENT_H_
