#include "fedcloak/secagg/masking.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <string>

#include "fedcloak/base/check.h"
#include "fedcloak/base/status.h"
#include "fedcloak/crypto/pairwise_channel.h"
#include "fmt/format.h"

namespace fedcloak::secagg::internal {
namespace {

constexpr std::string_view kMaskChannelPurpose = "fedcloak.secagg.pairwise-mask";
constexpr size_t kBlock = 8192;  // 32 KiB of vector plus 32 KiB of keystream (L2)

}  // namespace

Prg SelfMaskPrg(std::span<const uint8_t, 32> seed, const SessionId& session, uint64_t round) {
  return Prg(seed, fmt::format("fedcloak.secagg.self-mask.v1/{}/{}", session.ToHex(), round),
             Prg::Cipher::kAes128Ctr);
}

absl::StatusOr<Prg> PairwiseMaskPrg(const crypto::X25519KeyPair& own_mask_key, uint32_t own_id,
                                    const crypto::X25519PublicKey& peer_mask_key, uint32_t peer_id,
                                    const SessionId& session, uint64_t round) {
  FEDCLOAK_ASSIGN_OR_RETURN(crypto::PairwiseChannel channel,
                            crypto::PairwiseChannel::Create(own_mask_key, peer_mask_key, session,
                                                            own_id, peer_id, kMaskChannelPurpose));
  const SecretBytes seed = channel.DeriveSharedSeed(fmt::format("round {}", round));
  return Prg(std::span<const uint8_t, 32>(seed.data(), 32), "fedcloak.secagg.pairwise-mask.v1",
             Prg::Cipher::kAes128Ctr);
}

namespace {

// Applies the streams to one block of at most kBlock words.
void MaskBlock(uint32_t* __restrict out, size_t n, std::span<MaskStream> streams,
               uint32_t* __restrict keystream) {
  for (MaskStream& s : streams) {
    s.prg.FillU32(std::span<uint32_t>(keystream, n));
    if (s.subtract) {
      for (size_t i = 0; i < n; ++i) out[i] -= keystream[i];
    } else {
      for (size_t i = 0; i < n; ++i) out[i] += keystream[i];
    }
  }
}

}  // namespace

void ApplyMaskStreams(std::span<uint32_t> vec, std::span<MaskStream> streams) {
  std::array<uint32_t, kBlock> keystream;
  for (size_t start = 0; start < vec.size(); start += kBlock) {
    MaskBlock(vec.data() + start, std::min(kBlock, vec.size() - start), streams, keystream.data());
  }
  fedcloak::internal::SecureWipe(keystream.data(), sizeof(keystream));
}

void ApplyMaskStreamsLe(std::span<uint8_t> words_le, std::span<MaskStream> streams) {
  static_assert(std::endian::native == std::endian::little, "fedcloak assumes little-endian");
  FEDCLOAK_CHECK(words_le.size() % 4 == 0, "masking a partial word");
  std::array<uint32_t, kBlock> keystream;
  std::array<uint32_t, kBlock> block;  // aligned copy: no type punning of the byte buffer
  const size_t words = words_le.size() / 4;
  for (size_t start = 0; start < words; start += kBlock) {
    const size_t n = std::min(kBlock, words - start);
    uint8_t* bytes = words_le.data() + 4 * start;
    std::memcpy(block.data(), bytes, 4 * n);
    MaskBlock(block.data(), n, streams, keystream.data());
    std::memcpy(bytes, block.data(), 4 * n);
  }
  fedcloak::internal::SecureWipe(keystream.data(), sizeof(keystream));
  fedcloak::internal::SecureWipe(block.data(), sizeof(block));
}

}  // namespace fedcloak::secagg::internal
