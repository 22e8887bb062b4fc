#include "fedcloak/secagg/masking.h"

#include <algorithm>
#include <array>
#include <string>

#include "fedcloak/base/status.h"
#include "fedcloak/crypto/pairwise_channel.h"
#include "fmt/format.h"

namespace fedcloak::secagg::internal {
namespace {

constexpr std::string_view kMaskChannelPurpose = "fedcloak.secagg.pairwise-mask";
constexpr size_t kBlock = 2048;  // 8 KiB of vector plus 8 KiB of keystream

}  // namespace

Prg SelfMaskPrg(std::span<const uint8_t, 32> seed, const SessionId& session, uint64_t round) {
  return Prg(seed, fmt::format("fedcloak.secagg.self-mask.v1/{}/{}", session.ToHex(), round));
}

absl::StatusOr<Prg> PairwiseMaskPrg(const crypto::X25519KeyPair& own_mask_key, uint32_t own_id,
                                    const crypto::X25519PublicKey& peer_mask_key, uint32_t peer_id,
                                    const SessionId& session, uint64_t round) {
  FEDCLOAK_ASSIGN_OR_RETURN(crypto::PairwiseChannel channel,
                            crypto::PairwiseChannel::Create(own_mask_key, peer_mask_key, session,
                                                            own_id, peer_id, kMaskChannelPurpose));
  const SecretBytes seed = channel.DeriveSharedSeed(fmt::format("round {}", round));
  return Prg(std::span<const uint8_t, 32>(seed.data(), 32), "fedcloak.secagg.pairwise-mask.v1");
}

void ApplyMaskStreams(std::span<uint32_t> vec, std::span<MaskStream> streams) {
  std::array<uint32_t, kBlock> keystream;
  for (size_t start = 0; start < vec.size(); start += kBlock) {
    const size_t n = std::min(kBlock, vec.size() - start);
    uint32_t* __restrict out = vec.data() + start;
    const uint32_t* __restrict ks = keystream.data();
    for (MaskStream& s : streams) {
      s.prg.FillU32(std::span<uint32_t>(keystream.data(), n));
      if (s.subtract) {
        for (size_t i = 0; i < n; ++i) out[i] -= ks[i];
      } else {
        for (size_t i = 0; i < n; ++i) out[i] += ks[i];
      }
    }
  }
  fedcloak::internal::SecureWipe(keystream.data(), sizeof(keystream));
}

}  // namespace fedcloak::secagg::internal
