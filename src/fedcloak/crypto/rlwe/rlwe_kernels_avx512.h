// AVX-512 (F + DQ) kernels for the element-wise parts of encryption and decryption
// shares: pointwise Shoup products, sampler post-processing, plaintext scaling and the
// RNS lifts of small and wide integers. Each computes exactly the same (fully reduced
// or documented lazy) values as its scalar counterpart, so the choice of path never
// changes a result. REQUIRES Avx512Supported() (ntt_avx512.h) and n % 8 == 0 unless
// stated otherwise. Branch-free in the data. Internal to crypto/rlwe.
#ifndef FEDCLOAK_CRYPTO_RLWE_RLWE_KERNELS_AVX512_H_
#define FEDCLOAK_CRYPTO_RLWE_RLWE_KERNELS_AVX512_H_

#include <cstddef>
#include <cstdint>

namespace fedcloak::crypto::internal {

// out[i] = x[i] * w[i] mod q, or that plus q: in [0, 2q) like the scalar MulShoupLazy
// (for x[i] < 2^63), though not always the same representative.
void MulShoupLazyAvx512(const uint64_t* x, const uint64_t* w, const uint64_t* w_shoup, uint64_t q,
                        size_t n, uint64_t* out);
// out[i] = (x[i] * w[i] + add[i]) mod q for add[i] < q (fully reduced).
void MulShoupAddAvx512(const uint64_t* x, const uint64_t* w, const uint64_t* w_shoup, uint64_t q,
                       const uint64_t* add, size_t n, uint64_t* out);
// limb[i] = (limb[i] + small[i]) mod q for limb[i] < q, |small[i]| < q.
void AddSmallAvx512(const int64_t* small, size_t n, uint64_t q, uint64_t* limb);
// out[i] = small[i] mod q for |small[i]| < q.
void SmallToRnsAvx512(const int64_t* small, size_t n, uint64_t q, uint64_t* out);
// limb[i] = (limb[i] + wide[i]) mod q for |wide[i]| <= 2^62; barrett64 = floor(2^64 / q),
// offset_mod = 2^62 mod q.
void AddWideAvx512(const int64_t* wide, size_t n, uint64_t q, uint64_t barrett64,
                   uint64_t offset_mod, uint64_t* limb);
// limb[i] = (limb[i] + delta * m[i] + floor((q_mod_t * m[i] + t / 2) / t)) mod q with
// t = 2^k, 1 <= k <= 32, m[i] < t, q_mod_t < t, delta < q (RlweContext's encoding).
void AddScaledPlaintextAvx512(const uint32_t* m, size_t n, uint64_t q, uint64_t delta,
                              uint64_t delta_shoup, uint64_t q_mod_t, int k, uint64_t* limb);
// RlweContext::ToFixedPoint for two primes: y_i = x_i * c_i mod p_i (c_i = crt inverse,
// with Shoup factor cs_i), out = ((y_0 (h_0 2^64 + l_0) + y_1 (h_1 2^64 + l_1)) >> 96
// rounded down term-wise exactly as the scalar code) & mask; see rlwe_context.cc.
struct FixedPointPrime {
  uint64_t p, c, c_shoup, w_hi, w_lo;
};
void ToFixedPointTwoPrimesAvx512(const uint64_t* x0, const uint64_t* x1, size_t n,
                                 const FixedPointPrime& prime0, const FixedPointPrime& prime1,
                                 uint64_t mask, uint64_t* out);
// True if some values[i] > max_value (inspects all of them).
bool AnyAboveAvx512(const uint64_t* values, size_t n, uint64_t max_value);
// In place: 64-bit random words -> floor(3 r / 2^64) - 1 (SampleTernary's map).
void TernaryFromWordsAvx512(int64_t* words, size_t n);
// In place: 64-bit random words -> popcount(r & m21) - popcount((r >> 21) & m21).
void CenteredBinomialFromWordsAvx512(int64_t* words, size_t n);

}  // namespace fedcloak::crypto::internal

#endif  // FEDCLOAK_CRYPTO_RLWE_RLWE_KERNELS_AVX512_H_
