#include "fedcloak/crypto/rlwe/sampler.h"

#include "fedcloak/base/check.h"
#include "fedcloak/crypto/rlwe/ntt_avx512.h"
#include "fedcloak/crypto/rlwe/rlwe_kernels_avx512.h"

namespace fedcloak::crypto {
namespace {

// Branch-free, table-free population count of a 64-bit word.
inline uint64_t PopCount(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ULL);
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
  return (x * 0x0101010101010101ULL) >> 56;
}

// The AVX-512 kernels handle whole vectors of 8 words (identical outputs).
bool UseAvx512(size_t count) { return count % 8 == 0 && internal::Avx512Supported(); }

}  // namespace

void SampleTernary(Prg& prg, std::span<int64_t> out) {
  uint64_t* words = reinterpret_cast<uint64_t*>(out.data());
  prg.FillU64(std::span<uint64_t>(words, out.size()));
  if (UseAvx512(out.size())) {
    internal::TernaryFromWordsAvx512(out.data(), out.size());
    return;
  }
  for (size_t i = 0; i < out.size(); ++i) {
    const uint64_t r = words[i];
    const uint64_t trit = static_cast<uint64_t>((static_cast<uint128_t>(r) * 3) >> 64);
    out[i] = static_cast<int64_t>(trit) - 1;
  }
}

void SampleCenteredBinomial(Prg& prg, std::span<int64_t> out) {
  static_assert(kRlweErrorEta == 21, "one 64-bit word holds two 21-bit halves");
  constexpr uint64_t kMask = (uint64_t{1} << 21) - 1;
  uint64_t* words = reinterpret_cast<uint64_t*>(out.data());
  prg.FillU64(std::span<uint64_t>(words, out.size()));
  if (UseAvx512(out.size())) {
    internal::CenteredBinomialFromWordsAvx512(out.data(), out.size());
    return;
  }
  for (size_t i = 0; i < out.size(); ++i) {
    const uint64_t r = words[i];
    out[i] = static_cast<int64_t>(PopCount(r & kMask)) -
             static_cast<int64_t>(PopCount((r >> 21) & kMask));
  }
}

void SampleFlooding(Prg& prg, int bits, std::span<int64_t> out) {
  FEDCLOAK_CHECK(bits >= 1 && bits <= 62, "flooding bits in [1, 62]");
  uint64_t* words = reinterpret_cast<uint64_t*>(out.data());
  prg.FillU64(std::span<uint64_t>(words, out.size()));
  const int shift = 63 - bits;  // keep bits + 1 random bits
  const int64_t offset = int64_t{1} << bits;
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<int64_t>(words[i] >> shift) - offset;
  }
}

void SmallToRns(const RlweContext& ctx, std::span<const int64_t> values, uint64_t* poly) {
  const size_t n = ctx.n();
  FEDCLOAK_CHECK(values.size() == n);
  for (size_t i = 0; i < ctx.num_primes(); ++i) {
    const Modulus& q = ctx.modulus(i);
    const uint64_t p = q.value();
    uint64_t* limb = poly + i * n;
    if (UseAvx512(n)) {
      internal::SmallToRnsAvx512(values.data(), n, p, limb);
      continue;
    }
    for (size_t j = 0; j < n; ++j) {
      // v + p is in (0, 2p) for |v| < p.
      limb[j] = q.ReduceOnce(static_cast<uint64_t>(values[j]) + p);
    }
  }
}

void AddWideToRns(const RlweContext& ctx, std::span<const int64_t> values, uint64_t* poly) {
  const size_t n = ctx.n();
  FEDCLOAK_CHECK(values.size() == n);
  constexpr uint64_t kOffset = uint64_t{1} << 62;
  for (size_t i = 0; i < ctx.num_primes(); ++i) {
    const Modulus& q = ctx.modulus(i);
    const uint64_t offset_mod = q.Reduce(kOffset);
    uint64_t* limb = poly + i * n;
    if (UseAvx512(n)) {
      internal::AddWideAvx512(values.data(), n, q.value(), q.barrett64(), offset_mod, limb);
      continue;
    }
    for (size_t j = 0; j < n; ++j) {
      // v + 2^62 is in [0, 2^63): reduce it, then remove the offset.
      const uint64_t shifted = q.Reduce(static_cast<uint64_t>(values[j]) + kOffset);
      limb[j] = q.Add(limb[j], q.Sub(shifted, offset_mod));
    }
  }
}

void SampleTernaryRns(const RlweContext& ctx, Prg& prg, std::span<int64_t> scratch,
                      uint64_t* poly) {
  SampleTernary(prg, scratch);
  SmallToRns(ctx, scratch, poly);
}

void SampleCenteredBinomialRns(const RlweContext& ctx, Prg& prg, std::span<int64_t> scratch,
                               uint64_t* poly) {
  SampleCenteredBinomial(prg, scratch);
  SmallToRns(ctx, scratch, poly);
}

}  // namespace fedcloak::crypto
