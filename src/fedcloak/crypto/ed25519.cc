#include "fedcloak/crypto/ed25519.h"

#include <sodium.h>

#include "fedcloak/base/check.h"
#include "fmt/format.h"

namespace fedcloak::crypto {

Ed25519KeyPair Ed25519KeyPair::Generate(SecureRandom& rng) {
  SecretBytes seed(crypto_sign_SEEDBYTES);
  rng.Fill(seed.span());
  auto pair = FromSeed(seed.span());
  FEDCLOAK_CHECK(pair.ok());
  return *std::move(pair);
}

absl::StatusOr<Ed25519KeyPair> Ed25519KeyPair::FromSeed(std::span<const uint8_t> seed) {
  FEDCLOAK_CHECK(sodium_init() >= 0, "libsodium failed to initialize");
  if (seed.size() != crypto_sign_SEEDBYTES) {
    return absl::InvalidArgumentError(
        fmt::format("Ed25519 seed must be {} bytes, got {}", crypto_sign_SEEDBYTES, seed.size()));
  }
  SecretBytes secret_key(crypto_sign_SECRETKEYBYTES);
  Ed25519PublicKey pk;
  FEDCLOAK_CHECK(crypto_sign_seed_keypair(pk.data(), secret_key.data(), seed.data()) == 0,
                 "crypto_sign_seed_keypair failed");
  return Ed25519KeyPair(std::move(secret_key), pk);
}

Ed25519Signature Ed25519KeyPair::Sign(std::span<const uint8_t> message) const {
  Ed25519Signature signature;
  FEDCLOAK_CHECK(crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(),
                                      secret_key_.data()) == 0,
                 "crypto_sign_detached failed");
  return signature;
}

absl::Status Ed25519KeyPair::Verify(std::span<const uint8_t, kEd25519PublicKeySize> public_key,
                                    std::span<const uint8_t> message,
                                    std::span<const uint8_t, kEd25519SignatureSize> signature) {
  return Ed25519Verify(public_key, message, signature);
}

absl::Status Ed25519Verify(std::span<const uint8_t, kEd25519PublicKeySize> public_key,
                           std::span<const uint8_t> message,
                           std::span<const uint8_t, kEd25519SignatureSize> signature) {
  FEDCLOAK_CHECK(sodium_init() >= 0, "libsodium failed to initialize");
  if (crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                  public_key.data()) != 0) {
    return absl::DataLossError("Ed25519 signature verification failed");
  }
  return absl::OkStatus();
}

}  // namespace fedcloak::crypto
