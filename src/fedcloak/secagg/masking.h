// Mask derivation and application shared by SecAggClient and SecAggServer (internal to
// the secagg module). Masks are AES-128-CTR streams (fedcloak::Prg) read as uint32 and
// added mod 2^32. The self mask is keyed by the 32-byte seed b_u with a label that binds
// the session and round; the pairwise mask of sites u and v by a seed both derive from
// X25519(s_u, S_v) with PairwiseChannel::DeriveSharedSeed, bound to the session, both ids
// and the round. The site with the smaller id adds a pairwise mask, the other subtracts.
#ifndef FEDCLOAK_SECAGG_MASKING_H_
#define FEDCLOAK_SECAGG_MASKING_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/base/blob.h"
#include "fedcloak/base/prg.h"
#include "fedcloak/base/secret.h"
#include "fedcloak/crypto/x25519.h"

namespace fedcloak::secagg::internal {

// Purpose label of the share channels (ShareKeys).
inline constexpr std::string_view kShareChannelPurpose = "fedcloak.secagg.share-keys";

Prg SelfMaskPrg(std::span<const uint8_t, 32> seed, const SessionId& session, uint64_t round);

// The pairwise mask stream between `own_id` (holding `own_mask_key`) and `peer_id`.
// InvalidArgument for a low-order peer key.
absl::StatusOr<Prg> PairwiseMaskPrg(const crypto::X25519KeyPair& own_mask_key, uint32_t own_id,
                                    const crypto::X25519PublicKey& peer_mask_key, uint32_t peer_id,
                                    const SessionId& session, uint64_t round);

struct MaskStream {
  Prg prg;
  bool subtract = false;
};

// vec += (or -=) each stream's next vec.size() words, in cache-sized blocks so that each
// block of `vec` stays in L1 while all streams are applied.
void ApplyMaskStreams(std::span<uint32_t> vec, std::span<MaskStream> streams);

// The same on little-endian uint32 words stored in a byte buffer (a message payload, masked
// in place). REQUIRES: words_le.size() % 4 == 0.
void ApplyMaskStreamsLe(std::span<uint8_t> words_le, std::span<MaskStream> streams);

}  // namespace fedcloak::secagg::internal

#endif  // FEDCLOAK_SECAGG_MASKING_H_
