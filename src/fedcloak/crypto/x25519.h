// X25519KeyPair: a Diffie-Hellman key pair on Curve25519 (libsodium crypto_scalarmult).
// The secret scalar lives in a zeroizing SecretBytes; the public key is public.
// Movable, not copyable; immutable after creation, so const use is thread-safe.
#ifndef FEDCLOAK_CRYPTO_X25519_H_
#define FEDCLOAK_CRYPTO_X25519_H_

#include <array>
#include <cstdint>
#include <span>

#include "absl/status/statusor.h"
#include "fedcloak/base/secret.h"
#include "fedcloak/base/secure_random.h"

namespace fedcloak::crypto {

inline constexpr size_t kX25519KeySize = 32;
using X25519PublicKey = std::array<uint8_t, kX25519KeySize>;

class X25519KeyPair {
 public:
  // 32 bytes from `rng` form the secret scalar (clamped by X25519 itself).
  static X25519KeyPair Generate(SecureRandom& rng);
  // From a stored secret key. InvalidArgument unless it has 32 bytes.
  static absl::StatusOr<X25519KeyPair> FromSecretKey(SecretBytes secret_key);

  X25519KeyPair(X25519KeyPair&&) noexcept = default;
  X25519KeyPair& operator=(X25519KeyPair&&) noexcept = default;

  const X25519PublicKey& public_key() const { return public_key_; }
  const SecretBytes& secret_key() const { return secret_key_; }

  // The raw X25519 shared secret with `peer_public_key`. InvalidArgument if it is all
  // zero (the peer key is of low order), which libsodium reports.
  absl::StatusOr<SecretBytes> Agree(std::span<const uint8_t, kX25519KeySize> peer_public_key) const;

 private:
  X25519KeyPair(SecretBytes secret_key, const X25519PublicKey& public_key)
      : secret_key_(std::move(secret_key)), public_key_(public_key) {}

  SecretBytes secret_key_;
  X25519PublicKey public_key_;
};

}  // namespace fedcloak::crypto

#endif  // FEDCLOAK_CRYPTO_X25519_H_
