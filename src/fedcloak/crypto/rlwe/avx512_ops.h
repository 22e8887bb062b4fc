// Inline AVX-512 (F + DQ) helpers shared by ntt_avx512.cc and rlwe_kernels_avx512.cc.
// Include only after `#pragma GCC target("avx512f,avx512dq")` in files whose functions
// run after internal::Avx512Supported() returned true. Internal to crypto/rlwe.
#ifndef FEDCLOAK_CRYPTO_RLWE_AVX512_OPS_H_
#define FEDCLOAK_CRYPTO_RLWE_AVX512_OPS_H_

#include <immintrin.h>

#include <cstdint>

namespace fedcloak::crypto::internal::avx512 {

// High 64 bits of x * y, lane-wise, from four exact 32x32 -> 64 products.
// `y_hi` is y >> 32 (hoisted by callers that reuse y).
static inline __m512i MulHi64(__m512i x, __m512i y, __m512i y_hi) {
  const __m512i mask32 = _mm512_set1_epi64(0xffffffff);
  const __m512i x_hi = _mm512_srli_epi64(x, 32);
  const __m512i lo_lo = _mm512_mul_epu32(x, y);
  const __m512i lo_hi = _mm512_mul_epu32(x, y_hi);
  const __m512i hi_lo = _mm512_mul_epu32(x_hi, y);
  const __m512i hi_hi = _mm512_mul_epu32(x_hi, y_hi);
  // Middle column: < 3 * 2^32, no overflow.
  const __m512i middle = _mm512_add_epi64(
      _mm512_srli_epi64(lo_lo, 32),
      _mm512_add_epi64(_mm512_and_si512(lo_hi, mask32), _mm512_and_si512(hi_lo, mask32)));
  return _mm512_add_epi64(
      _mm512_add_epi64(hi_hi, _mm512_srli_epi64(middle, 32)),
      _mm512_add_epi64(_mm512_srli_epi64(lo_hi, 32), _mm512_srli_epi64(hi_lo, 32)));
}

// x * w - floor(x * w_shoup / 2^64) * q (mod 2^64): Harvey's lazy product in [0, 2q).
static inline __m512i MulShoupLazy(__m512i x, __m512i w, __m512i w_shoup, __m512i w_shoup_hi,
                                   __m512i q) {
  const __m512i quotient = MulHi64(x, w_shoup, w_shoup_hi);
  return _mm512_sub_epi64(_mm512_mullo_epi64(x, w), _mm512_mullo_epi64(quotient, q));
}

// As MulShoupLazy, but the quotient skips the low 32x32 product and the carry out of
// the middle column, so it is up to 2 below Shoup's (itself up to 1 below the true
// quotient): the result is x * w mod q plus a multiple of q in [0, 4q). Three
// multiplications instead of four; callers reduce once by 2q. REQUIRES q < 2^62.
static inline __m512i MulShoupLazy4q(__m512i x, __m512i w, __m512i w_shoup, __m512i w_shoup_hi,
                                     __m512i q) {
  const __m512i x_hi = _mm512_srli_epi64(x, 32);
  const __m512i quotient =
      _mm512_add_epi64(_mm512_mul_epu32(x_hi, w_shoup_hi),
                       _mm512_add_epi64(_mm512_srli_epi64(_mm512_mul_epu32(x, w_shoup_hi), 32),
                                        _mm512_srli_epi64(_mm512_mul_epu32(x_hi, w_shoup), 32)));
  return _mm512_sub_epi64(_mm512_mullo_epi64(x, w), _mm512_mullo_epi64(quotient, q));
}

// x - m if x >= m else x (unsigned, branch-free): min(x, x - m).
static inline __m512i ReduceBy(__m512i x, __m512i m) {
  return _mm512_min_epu64(x, _mm512_sub_epi64(x, m));
}

static inline __m512i Broadcast(uint64_t v) { return _mm512_set1_epi64(static_cast<long long>(v)); }

}  // namespace fedcloak::crypto::internal::avx512

#endif  // FEDCLOAK_CRYPTO_RLWE_AVX512_OPS_H_
