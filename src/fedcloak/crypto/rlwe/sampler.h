// Constant-time samplers for the RLWE scheme. Every sampler draws a fixed amount of
// randomness per coefficient from a Prg and maps it with arithmetic only: no branch and
// no table index depends on a sampled (secret) value.
//  - Ternary: uniform on {-1, 0, 1} as floor(3 r / 2^64) - 1 for a 64-bit r (bias
//    < 2^-62 per coefficient).
//  - Centered binomial, eta = 21: popcount(a) - popcount(b) for 21-bit a, b; variance
//    10.5 (sigma = 3.24), support [-21, 21]. Popcount is SWAR arithmetic (libgcc's
//    table-driven __popcountdi2 is never called).
//  - Flooding: uniform on [-2^bits, 2^bits) (bits <= 62).
// The *Rns variants write an RNS polynomial (num_primes x n, coefficient form).
#ifndef FEDCLOAK_CRYPTO_RLWE_SAMPLER_H_
#define FEDCLOAK_CRYPTO_RLWE_SAMPLER_H_

#include <cstdint>
#include <span>

#include "fedcloak/base/prg.h"
#include "fedcloak/crypto/rlwe/rlwe_context.h"

namespace fedcloak::crypto {

void SampleTernary(Prg& prg, std::span<int64_t> out);
void SampleCenteredBinomial(Prg& prg, std::span<int64_t> out);
void SampleFlooding(Prg& prg, int bits, std::span<int64_t> out);

// Writes values (|v| < every prime) into the RNS polynomial `poly` (poly_words words).
void SmallToRns(const RlweContext& ctx, std::span<const int64_t> values, uint64_t* poly);
// Adds values (|v| <= 2^62) into `poly` (reduced limbs) coefficient-wise.
void AddWideToRns(const RlweContext& ctx, std::span<const int64_t> values, uint64_t* poly);

// Samples into `poly` (ctx.poly_words() words); `scratch` holds ctx.n() words.
void SampleTernaryRns(const RlweContext& ctx, Prg& prg, std::span<int64_t> scratch, uint64_t* poly);
void SampleCenteredBinomialRns(const RlweContext& ctx, Prg& prg, std::span<int64_t> scratch,
                               uint64_t* poly);

}  // namespace fedcloak::crypto

#endif  // FEDCLOAK_CRYPTO_RLWE_SAMPLER_H_
