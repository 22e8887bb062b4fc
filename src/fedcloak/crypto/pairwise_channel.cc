#include "fedcloak/crypto/pairwise_channel.h"

#include <sodium.h>

#include "absl/status/status.h"
#include "fedcloak/base/bytes.h"
#include "fedcloak/base/check.h"
#include "fedcloak/base/status.h"
#include "fmt/format.h"

namespace fedcloak::crypto {
namespace {

constexpr std::string_view kTranscriptDomain = "fedcloak.pairwise.v1";
constexpr std::string_view kAssociatedDomain = "fedcloak.channel.v1";
constexpr std::string_view kSeedDomain = "fedcloak.pairwise.seed.v1";
constexpr size_t kKeySize = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
constexpr size_t kNonceSize = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTagSize = crypto_aead_xchacha20poly1305_ietf_ABYTES;
static_assert(PairwiseChannel::kOverhead == kNonceSize + kTagSize);

// BLAKE2b-256 keyed with `key` over `message`.
SecretBytes KeyedHash(std::span<const uint8_t> key, std::span<const uint8_t> message) {
  SecretBytes out(kKeySize);
  FEDCLOAK_CHECK(crypto_generichash(out.data(), out.size(), message.data(), message.size(),
                                    key.data(), key.size()) == 0,
                 "crypto_generichash failed");
  return out;
}

}  // namespace

absl::StatusOr<PairwiseChannel> PairwiseChannel::Create(
    const X25519KeyPair& self, std::span<const uint8_t, 32> peer_public_key,
    const SessionId& session, uint32_t self_id, uint32_t peer_id, std::string_view purpose) {
  if (self_id == peer_id) {
    return absl::InvalidArgumentError(
        fmt::format("a pairwise channel needs two parties, both ids are {}", self_id));
  }
  FEDCLOAK_ASSIGN_OR_RETURN(SecretBytes shared, self.Agree(peer_public_key));

  // Transcript: both parties build the same bytes by ordering the pair by id.
  const bool self_low = self_id < peer_id;
  std::vector<uint8_t> transcript;
  ByteWriter w(&transcript);
  w.PutString(kTranscriptDomain);
  w.PutString(purpose);
  w.PutBytes(session.bytes);
  w.PutU32(self_low ? self_id : peer_id);
  w.PutBytes(self_low ? std::span<const uint8_t>(self.public_key()) : peer_public_key);
  w.PutU32(self_low ? peer_id : self_id);
  w.PutBytes(self_low ? peer_public_key : std::span<const uint8_t>(self.public_key()));

  auto derive = [&](std::string_view role, uint32_t from, uint32_t to) {
    std::vector<uint8_t> message = transcript;
    ByteWriter m(&message);
    m.PutString(role);
    m.PutU32(from);
    m.PutU32(to);
    return KeyedHash(shared.span(), message);
  };
  SecretBytes send_key = derive("direction", self_id, peer_id);
  SecretBytes receive_key = derive("direction", peer_id, self_id);
  SecretBytes seed_key = derive("shared-seed", 0, 0);
  return PairwiseChannel(std::move(send_key), std::move(receive_key), std::move(seed_key), session,
                         self_id, peer_id, purpose);
}

PairwiseChannel::PairwiseChannel(SecretBytes send_key, SecretBytes receive_key,
                                 SecretBytes seed_key, const SessionId& session, uint32_t self_id,
                                 uint32_t peer_id, std::string_view purpose)
    : send_key_(std::move(send_key)),
      receive_key_(std::move(receive_key)),
      seed_key_(std::move(seed_key)),
      session_(session),
      self_id_(self_id),
      peer_id_(peer_id),
      purpose_(purpose) {}

std::vector<uint8_t> PairwiseChannel::AssociatedData(uint32_t sender, uint32_t recipient) const {
  std::vector<uint8_t> ad;
  ByteWriter w(&ad);
  w.PutString(kAssociatedDomain);
  w.PutBytes(session_.bytes);
  w.PutU32(sender);
  w.PutU32(recipient);
  w.PutString(purpose_);
  return ad;
}

std::vector<uint8_t> PairwiseChannel::Seal(std::span<const uint8_t> plaintext,
                                           SecureRandom& rng) const {
  std::vector<uint8_t> sealed(kNonceSize + plaintext.size() + kTagSize);
  rng.Fill(std::span<uint8_t>(sealed.data(), kNonceSize));
  const std::vector<uint8_t> ad = AssociatedData(self_id_, peer_id_);
  unsigned long long written = 0;
  FEDCLOAK_CHECK(crypto_aead_xchacha20poly1305_ietf_encrypt(
                     sealed.data() + kNonceSize, &written, plaintext.data(), plaintext.size(),
                     ad.data(), ad.size(), nullptr, sealed.data(), send_key_.data()) == 0,
                 "XChaCha20-Poly1305 encryption failed");
  FEDCLOAK_CHECK(written == plaintext.size() + kTagSize);
  return sealed;
}

absl::StatusOr<SecretBytes> PairwiseChannel::Open(std::span<const uint8_t> sealed) const {
  if (sealed.size() < kOverhead) {
    return absl::DataLossError(
        fmt::format("sealed message of {} bytes is shorter than the {}-byte nonce and tag",
                    sealed.size(), kOverhead));
  }
  const std::vector<uint8_t> ad = AssociatedData(peer_id_, self_id_);
  SecretBytes plaintext(sealed.size() - kOverhead);
  unsigned long long written = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(plaintext.data(), &written, nullptr,
                                                 sealed.data() + kNonceSize,
                                                 sealed.size() - kNonceSize, ad.data(), ad.size(),
                                                 sealed.data(), receive_key_.data()) != 0) {
    return absl::DataLossError(
        fmt::format("message from party {} to party {} (purpose '{}') failed authentication",
                    peer_id_, self_id_, purpose_));
  }
  FEDCLOAK_CHECK(written == plaintext.size());
  return plaintext;
}

SecretBytes PairwiseChannel::DeriveSharedSeed(std::string_view label) const {
  std::vector<uint8_t> message;
  ByteWriter w(&message);
  w.PutString(kSeedDomain);
  w.PutString(label);
  return KeyedHash(seed_key_.span(), message);
}

}  // namespace fedcloak::crypto
