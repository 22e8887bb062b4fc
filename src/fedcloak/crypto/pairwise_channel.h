// PairwiseChannel: authenticated encryption between two parties that know each other's
// X25519 public keys, for messages relayed by an untrusted coordinator (Shamir shares in
// SecAgg+ ShareKeys and in threshold-HE key generation).
//
// Keys: s = X25519(self, peer); every key is BLAKE2b-256 keyed with s over a transcript
// of (domain, purpose, session, both ids and both public keys in id order) and a role
// label, so each direction has its own key and nothing is shared across sessions,
// purposes or pairs. Seal encrypts self -> peer with XChaCha20-Poly1305-IETF under a
// random 24-byte nonce (prepended); the associated data repeats (session, sender,
// recipient, purpose). Open decrypts peer -> self. DeriveSharedSeed gives the two parties
// the same 32-byte secret (SecAgg+ pairwise mask seeds).
//
// Movable, not copyable; immutable after Create, so const use is thread-safe.
#ifndef FEDCLOAK_CRYPTO_PAIRWISE_CHANNEL_H_
#define FEDCLOAK_CRYPTO_PAIRWISE_CHANNEL_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/base/blob.h"
#include "fedcloak/base/secret.h"
#include "fedcloak/base/secure_random.h"
#include "fedcloak/crypto/x25519.h"

namespace fedcloak::crypto {

class PairwiseChannel {
 public:
  // Bytes Seal adds to a plaintext: 24-byte nonce + 16-byte Poly1305 tag.
  static constexpr size_t kOverhead = 40;

  // InvalidArgument if self_id == peer_id or the shared secret is all zero (low-order
  // peer key).
  static absl::StatusOr<PairwiseChannel> Create(const X25519KeyPair& self,
                                                std::span<const uint8_t, 32> peer_public_key,
                                                const SessionId& session, uint32_t self_id,
                                                uint32_t peer_id, std::string_view purpose);

  PairwiseChannel(PairwiseChannel&&) noexcept = default;
  PairwiseChannel& operator=(PairwiseChannel&&) noexcept = default;

  uint32_t self_id() const { return self_id_; }
  uint32_t peer_id() const { return peer_id_; }

  // Encrypts self -> peer: nonce (24) || ciphertext || tag (16).
  std::vector<uint8_t> Seal(std::span<const uint8_t> plaintext, SecureRandom& rng) const;

  // Decrypts a message sealed by the peer for us. DataLoss on any authentication
  // failure: wrong key, session, direction, purpose, truncation or tampering.
  absl::StatusOr<SecretBytes> Open(std::span<const uint8_t> sealed) const;

  // A 32-byte secret both parties derive identically (independent of which one calls):
  // KDF(shared secret, session, ids, label).
  SecretBytes DeriveSharedSeed(std::string_view label) const;

 private:
  PairwiseChannel(SecretBytes send_key, SecretBytes receive_key, SecretBytes seed_key,
                  const SessionId& session, uint32_t self_id, uint32_t peer_id,
                  std::string_view purpose);

  std::vector<uint8_t> AssociatedData(uint32_t sender, uint32_t recipient) const;

  SecretBytes send_key_;
  SecretBytes receive_key_;
  SecretBytes seed_key_;
  SessionId session_;
  uint32_t self_id_;
  uint32_t peer_id_;
  std::string purpose_;
};

}  // namespace fedcloak::crypto

#endif  // FEDCLOAK_CRYPTO_PAIRWISE_CHANNEL_H_
