// ThresholdHeParty: one site's side of threshold (t-of-n) RLWE encryption. Transport
// free: everything it sends or receives is a blob (bytes); the caller moves them.
//
// Protocol (doc/threat_model.md):
//  1. StartKeyGeneration: samples the ternary secret s_i, returns the public key share
//     p_i = -a s_i + e_i and, for every other party j, an envelope with j's Shamir
//     shares of s_i (coefficient-wise, per RNS prime, evaluation point j), sealed for j
//     with a PairwiseChannel (X25519 + XChaCha20-Poly1305 bound to the session and both
//     ids) together with a BLAKE2b digest of p_i, so a relaying coordinator can neither
//     read the shares nor substitute p_i.
//  2. FinishKeyGeneration: given all n public key shares and the n-1 envelopes
//     addressed to this party, checks every digest, computes the collective key itself,
//     and sums the shares into its key share S(j) (kept in NTT form). s_i is wiped.
//  3. Encrypt under the collective key (also possible with CollectivePublicKey alone).
//  4. DecryptShare(aggregate, T): lambda_{j,T} S(j) c1 + flooding, as a DecryptionShare
//     blob. One answer per round: the first request fixes T; a repeat with the same T
//     returns the identical bytes (no fresh noise); any other T is FailedPrecondition.
//
// Owns secret material (zeroized on destruction). Movable, not copyable. Not
// thread-safe: one owner drives it.
#ifndef FEDCLOAK_CRYPTO_RLWE_THRESHOLD_PARTY_H_
#define FEDCLOAK_CRYPTO_RLWE_THRESHOLD_PARTY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/base/blob.h"
#include "fedcloak/base/secret.h"
#include "fedcloak/base/secure_random.h"
#include "fedcloak/crypto/rlwe/ciphertext_vector.h"
#include "fedcloak/crypto/rlwe/public_key.h"
#include "fedcloak/crypto/rlwe/rlwe_context.h"
#include "fedcloak/crypto/shamir.h"
#include "fedcloak/crypto/x25519.h"

namespace fedcloak::crypto {

// Session-level configuration every party and the coordinator agree on.
struct ThresholdConfig {
  SessionId session;
  uint32_t num_parties = 0;  // parties are numbered 1..num_parties
  uint32_t threshold = 0;    // t: any t parties decrypt, t-1 learn nothing
};

// Sender and recipient of a key-share envelope (blob kind 0x0113), read from its
// unencrypted routing fields so the coordinator can forward it. DataLoss/InvalidArgument
// for a malformed blob.
struct KeyShareRouting {
  uint32_t from = 0;
  uint32_t to = 0;
};
absl::StatusOr<KeyShareRouting> ReadKeyShareRouting(std::span<const uint8_t> envelope);

class ThresholdHeParty {
 public:
  struct KeyGenMessage {
    std::vector<uint8_t> public_key_share;        // blob 0x0111, for everyone
    std::vector<std::vector<uint8_t>> envelopes;  // blobs 0x0113, one per other party
  };

  // `party_public_keys[j - 1]` is party j's X25519 public key (this party's included and
  // checked against `identity`). InvalidArgument unless 2 <= threshold <= num_parties <=
  // max_sites, 1 <= party_id <= num_parties, and the key list has num_parties entries.
  static absl::StatusOr<ThresholdHeParty> Create(std::shared_ptr<const RlweContext> ctx,
                                                 const ThresholdConfig& config, uint32_t party_id,
                                                 X25519KeyPair identity,
                                                 std::vector<X25519PublicKey> party_public_keys);
  ThresholdHeParty(ThresholdHeParty&&) noexcept = default;
  ThresholdHeParty& operator=(ThresholdHeParty&&) noexcept = default;

  // FailedPrecondition if called twice.
  absl::StatusOr<KeyGenMessage> StartKeyGeneration(SecureRandom& rng);
  // FailedPrecondition before StartKeyGeneration or after success; InvalidArgument or
  // DataLoss (naming the party) for missing, repeated, foreign, tampered or
  // inconsistent shares. On error the party stays in the started state.
  absl::Status FinishKeyGeneration(std::span<const std::vector<uint8_t>> public_key_shares,
                                   std::span<const std::vector<uint8_t>> envelopes_to_me);

  bool ready() const { return collective_key_.has_value(); }
  // REQUIRES ready().
  const CollectivePublicKey& collective_key() const;

  // Encrypts under the collective key. FailedPrecondition before keygen finished.
  absl::StatusOr<CiphertextVector> Encrypt(std::span<const uint32_t> values, uint64_t round,
                                           SecureRandom& rng) const;

  // The decryption share blob (0x0115) of `aggregate` for active set `active_set`
  // (sorted, distinct, containing this party). FailedPrecondition before keygen, for
  // |T| < threshold, or for a second, different T in the same round; InvalidArgument for
  // a foreign aggregate or a malformed T.
  absl::StatusOr<std::vector<uint8_t>> DecryptShare(const CiphertextVector& aggregate,
                                                    std::span<const uint32_t> active_set,
                                                    SecureRandom& rng);
  // As DecryptShare, writing the blob into `out` (overwritten; its capacity is reused,
  // so a buffer kept across rounds avoids 8 MB of fresh pages per million values).
  // On error `out` is unchanged.
  absl::Status DecryptShareInto(const CiphertextVector& aggregate,
                                std::span<const uint32_t> active_set, SecureRandom& rng,
                                std::vector<uint8_t>* out);

  uint32_t party_id() const { return party_id_; }
  const ThresholdConfig& config() const { return config_; }

 private:
  ThresholdHeParty(std::shared_ptr<const RlweContext> ctx, const ThresholdConfig& config,
                   uint32_t party_id, X25519KeyPair identity,
                   std::vector<X25519PublicKey> party_public_keys,
                   std::vector<ShamirScheme> schemes);

  std::shared_ptr<const RlweContext> ctx_;
  ThresholdConfig config_;
  uint32_t party_id_;
  X25519KeyPair identity_;
  std::vector<X25519PublicKey> party_public_keys_;
  std::vector<ShamirScheme> schemes_;  // one per RNS prime

  bool started_ = false;
  SecretVector<uint64_t> secret_;     // s_i, RNS coefficient form (until keygen ends)
  SecretVector<uint64_t> own_share_;  // this party's Shamir share of s_i
  std::vector<uint8_t> own_public_key_share_;
  SecretVector<uint64_t> key_share_ntt_;  // S(j), NTT form
  std::optional<CollectivePublicKey> collective_key_;

  std::map<uint64_t, std::vector<uint32_t>> answered_;  // round -> active set
  uint64_t cached_round_ = 0;
  std::vector<uint8_t> cached_share_;
  std::vector<uint64_t> fixed_values_;  // scratch of DecryptShare (public once sent)
};

}  // namespace fedcloak::crypto

#endif  // FEDCLOAK_CRYPTO_RLWE_THRESHOLD_PARTY_H_
