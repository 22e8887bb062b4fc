// Ed25519 signatures (libsodium crypto_sign): long-term site identity keys that sign
// what a site advertises (SecAgg+ AdvertiseKeys). The 32-byte seed and the expanded
// secret key live in zeroizing SecretBytes. Movable, not copyable; const use is
// thread-safe.
#ifndef FEDCLOAK_CRYPTO_ED25519_H_
#define FEDCLOAK_CRYPTO_ED25519_H_

#include <array>
#include <cstdint>
#include <span>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fedcloak/base/secret.h"
#include "fedcloak/base/secure_random.h"

namespace fedcloak::crypto {

inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;
using Ed25519PublicKey = std::array<uint8_t, kEd25519PublicKeySize>;
using Ed25519Signature = std::array<uint8_t, kEd25519SignatureSize>;

class Ed25519KeyPair {
 public:
  // A 32-byte seed drawn from `rng` determines the key pair.
  static Ed25519KeyPair Generate(SecureRandom& rng);
  // From a stored 32-byte seed. InvalidArgument for another size.
  static absl::StatusOr<Ed25519KeyPair> FromSeed(std::span<const uint8_t> seed);

  Ed25519KeyPair(Ed25519KeyPair&&) noexcept = default;
  Ed25519KeyPair& operator=(Ed25519KeyPair&&) noexcept = default;

  const Ed25519PublicKey& public_key() const { return public_key_; }

  // Detached signature of `message`.
  Ed25519Signature Sign(std::span<const uint8_t> message) const;

  // Same as the free function Ed25519Verify below.
  static absl::Status Verify(std::span<const uint8_t, kEd25519PublicKeySize> public_key,
                             std::span<const uint8_t> message,
                             std::span<const uint8_t, kEd25519SignatureSize> signature);

 private:
  Ed25519KeyPair(SecretBytes secret_key, const Ed25519PublicKey& public_key)
      : secret_key_(std::move(secret_key)), public_key_(public_key) {}

  SecretBytes secret_key_;  // libsodium's 64-byte form (seed || public key)
  Ed25519PublicKey public_key_;
};

// OK if `signature` is a valid signature of `message` under `public_key`; DataLoss
// otherwise (bad signature, wrong key, altered message, non-canonical encoding).
absl::Status Ed25519Verify(std::span<const uint8_t, kEd25519PublicKeySize> public_key,
                           std::span<const uint8_t> message,
                           std::span<const uint8_t, kEd25519SignatureSize> signature);

}  // namespace fedcloak::crypto

#endif  // FEDCLOAK_CRYPTO_ED25519_H_
