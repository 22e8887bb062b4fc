// The seven SecAgg+ messages. Each is a validated value type that serializes into the
// versioned blob format (base/blob.h) with the parameter id, the round and (from the key
// directory on) the session id in the header. Byte layouts: doc/wire_format.md.
//
// Every Parse checks the header (kind, parameter id, round, session where known), bounds
// every count by the number of sites before allocating, requires ids in [1, num_sites]
// and lists in strictly increasing order, and requires the payload to be consumed exactly.
// Errors: DataLoss for malformed bytes, InvalidArgument for a well-formed message that
// does not belong here (wrong kind, parameters, round, session, ids, lengths). Parse
// checks form only; the protocol checks (who may send what, when) are in SecAggClient and
// SecAggServer.
#ifndef FEDCLOAK_SECAGG_MESSAGES_H_
#define FEDCLOAK_SECAGG_MESSAGES_H_

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/base/blob.h"
#include "fedcloak/crypto/ed25519.h"
#include "fedcloak/crypto/pairwise_channel.h"
#include "fedcloak/crypto/x25519.h"
#include "fedcloak/secagg/parameters.h"

namespace fedcloak::secagg {

inline constexpr ObjectKind kAdvertiseKeysKind = 0x0201;
inline constexpr ObjectKind kKeyDirectoryKind = 0x0202;
inline constexpr ObjectKind kShareKeysKind = 0x0203;
inline constexpr ObjectKind kEncryptedSharesKind = 0x0204;
inline constexpr ObjectKind kMaskedInputKind = 0x0205;
inline constexpr ObjectKind kUnmaskingRequestKind = 0x0206;
inline constexpr ObjectKind kUnmaskingResponseKind = 0x0207;

// Field elements (mod 2^61 - 1) in the Shamir share of a 32-byte secret.
inline constexpr size_t kShareElements = 5;
using KeyShare = std::array<uint64_t, kShareElements>;
// sender u32, recipient u32, mask-key share, self-mask-seed share.
inline constexpr size_t kSharePlaintextSize = 8 + 2 * 8 * kShareElements;
inline constexpr size_t kShareCiphertextSize =
    kSharePlaintextSize + crypto::PairwiseChannel::kOverhead;

// What every message header carries besides its kind.
struct MessageContext {
  uint64_t parameter_id = 0;
  uint64_t round = 0;
  SessionId session;  // all zero for AdvertiseKeys
};

// Stage 0, site -> coordinator: two X25519 public keys signed with the site's Ed25519
// identity key over SignedBytes().
struct AdvertiseKeys {
  uint32_t site = 0;
  crypto::X25519PublicKey encryption_key{};  // for the pairwise share channels
  crypto::X25519PublicKey mask_key{};        // for the pairwise mask seeds
  crypto::Ed25519Signature signature{};

  // "fedcloak.secagg.advertise.v1" || parameter id || round || site || both keys.
  std::vector<uint8_t> SignedBytes(uint64_t parameter_id, uint64_t round) const;
  std::vector<uint8_t> Encode(const MessageContext& context) const;
  static absl::StatusOr<AdvertiseKeys> Parse(std::span<const uint8_t> blob,
                                             const SecAggParameters& params, uint64_t round);
  friend bool operator==(const AdvertiseKeys&, const AdvertiseKeys&) = default;
};

// Stage 0 result, coordinator -> sites: every advertisement received, by increasing site
// id; the header carries the session id computed by SessionIdOf.
struct KeyDirectory {
  std::vector<AdvertiseKeys> entries;

  std::vector<uint8_t> Encode(const MessageContext& context) const;
  // The header's session is returned through `session` (checked by the caller).
  static absl::StatusOr<KeyDirectory> Parse(std::span<const uint8_t> blob,
                                            const SecAggParameters& params, uint64_t round,
                                            SessionId* session);
};

// BLAKE2b-256 of ("fedcloak.secagg.session.v1", parameter id, round, every entry's site id
// and both public keys).
SessionId SessionIdOf(const KeyDirectory& directory, uint64_t parameter_id, uint64_t round);

struct SealedShare {
  uint32_t peer = 0;                // recipient in ShareKeys, sender in EncryptedShares
  std::vector<uint8_t> ciphertext;  // kShareCiphertextSize bytes
  friend bool operator==(const SealedShare&, const SealedShare&) = default;
};

// Stage 1, site -> coordinator: the sender's Shamir shares, one sealed box per neighbour
// (increasing recipient id).
struct ShareKeys {
  uint32_t sender = 0;
  std::vector<SealedShare> shares;

  std::vector<uint8_t> Encode(const MessageContext& context) const;
  static absl::StatusOr<ShareKeys> Parse(std::span<const uint8_t> blob,
                                         const SecAggParameters& params, uint64_t round,
                                         const SessionId& session);
};

// Stage 1 result, coordinator -> one site: the sealed shares addressed to it (increasing
// sender id). The senders are the site's pairwise-mask partners.
struct EncryptedShares {
  uint32_t recipient = 0;
  std::vector<SealedShare> shares;

  std::vector<uint8_t> Encode(const MessageContext& context) const;
  static absl::StatusOr<EncryptedShares> Parse(std::span<const uint8_t> blob,
                                               const SecAggParameters& params, uint64_t round,
                                               const SessionId& session);
};

// Stage 2, site -> coordinator: y = x + PRG(b) + sum of +-PRG(s_uv) mod 2^32, with the
// weight as element vector_length. A view into the parsed buffer: no copy.
struct MaskedInputView {
  uint32_t sender = 0;
  std::span<const uint8_t> masked;  // masked_length() little-endian uint32 values

  uint32_t At(size_t i) const;
  static absl::StatusOr<MaskedInputView> Parse(std::span<const uint8_t> blob,
                                               const SecAggParameters& params, uint64_t round,
                                               const SessionId& session);
};
std::vector<uint8_t> EncodeMaskedInput(uint32_t sender, std::span<const uint32_t> masked,
                                       const MessageContext& context);
// The same with the values and the final (weight) word given apart; the client then masks
// the payload in place from byte kMaskedValuesOffset on.
std::vector<uint8_t> EncodeMaskedInput(uint32_t sender, std::span<const uint32_t> values,
                                       uint32_t last, const MessageContext& context);
inline constexpr size_t kMaskedValuesOffset = kBlobHeaderSize + 4;

// Stage 3, coordinator -> surviving sites: who sent a masked input and who dropped after
// sharing keys. Parse does not check that the lists are disjoint: sites do.
struct UnmaskingRequest {
  std::vector<uint32_t> survivors;
  std::vector<uint32_t> dropouts;

  std::vector<uint8_t> Encode(const MessageContext& context) const;
  static absl::StatusOr<UnmaskingRequest> Parse(std::span<const uint8_t> blob,
                                                const SecAggParameters& params, uint64_t round,
                                                const SessionId& session);
};

enum class ShareType : uint8_t {
  kSelfMaskSeed = 1,  // the owner survived: its self-mask seed b is reconstructed
  kMaskKey = 2,       // the owner dropped: its mask secret key s is reconstructed
};

struct RevealedShare {
  uint32_t owner = 0;
  ShareType type = ShareType::kSelfMaskSeed;
  KeyShare share{};
  friend bool operator==(const RevealedShare&, const RevealedShare&) = default;
};

// Stage 3, site -> coordinator: one share per owner (increasing owner id).
struct UnmaskingResponse {
  uint32_t sender = 0;
  std::vector<RevealedShare> shares;

  std::vector<uint8_t> Encode(const MessageContext& context) const;
  static absl::StatusOr<UnmaskingResponse> Parse(std::span<const uint8_t> blob,
                                                 const SecAggParameters& params, uint64_t round,
                                                 const SessionId& session);
};

}  // namespace fedcloak::secagg

#endif  // FEDCLOAK_SECAGG_MESSAGES_H_
