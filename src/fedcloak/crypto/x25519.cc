#include "fedcloak/crypto/x25519.h"

#include <sodium.h>

#include "absl/status/status.h"
#include "fedcloak/base/check.h"
#include "fmt/format.h"

namespace fedcloak::crypto {
namespace {

X25519PublicKey PublicFromSecret(const SecretBytes& secret_key) {
  X25519PublicKey pk;
  FEDCLOAK_CHECK(crypto_scalarmult_base(pk.data(), secret_key.data()) == 0,
                 "crypto_scalarmult_base failed");
  return pk;
}

}  // namespace

X25519KeyPair X25519KeyPair::Generate(SecureRandom& rng) {
  FEDCLOAK_CHECK(sodium_init() >= 0, "libsodium failed to initialize");
  SecretBytes secret_key(crypto_scalarmult_SCALARBYTES);
  rng.Fill(secret_key.span());
  const X25519PublicKey pk = PublicFromSecret(secret_key);
  return X25519KeyPair(std::move(secret_key), pk);
}

absl::StatusOr<X25519KeyPair> X25519KeyPair::FromSecretKey(SecretBytes secret_key) {
  FEDCLOAK_CHECK(sodium_init() >= 0, "libsodium failed to initialize");
  if (secret_key.size() != crypto_scalarmult_SCALARBYTES) {
    return absl::InvalidArgumentError(fmt::format("X25519 secret key must be {} bytes, got {}",
                                                  crypto_scalarmult_SCALARBYTES,
                                                  secret_key.size()));
  }
  const X25519PublicKey pk = PublicFromSecret(secret_key);
  return X25519KeyPair(std::move(secret_key), pk);
}

absl::StatusOr<SecretBytes> X25519KeyPair::Agree(
    std::span<const uint8_t, kX25519KeySize> peer_public_key) const {
  SecretBytes shared(crypto_scalarmult_BYTES);
  if (crypto_scalarmult(shared.data(), secret_key_.data(), peer_public_key.data()) != 0) {
    return absl::InvalidArgumentError(
        "X25519 shared secret is all zero: the peer public key has low order");
  }
  return shared;
}

}  // namespace fedcloak::crypto
