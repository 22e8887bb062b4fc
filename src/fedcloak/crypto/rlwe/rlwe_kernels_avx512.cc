#include "fedcloak/crypto/rlwe/rlwe_kernels_avx512.h"

// See ntt_avx512.cc for why this warning is silenced and how the target pragma is used.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq")

#include "fedcloak/crypto/rlwe/avx512_ops.h"

namespace fedcloak::crypto::internal {

using avx512::Broadcast;
using avx512::MulHi64;
using avx512::MulShoupLazy;
using avx512::MulShoupLazy4q;
using avx512::ReduceBy;

namespace {

inline __m512i Load(const void* p) { return _mm512_loadu_si512(p); }

// SWAR population count of each 64-bit lane (no table, no data-dependent branch).
inline __m512i PopCount64(__m512i x) {
  const __m512i m1 = Broadcast(0x5555555555555555ULL);
  const __m512i m2 = Broadcast(0x3333333333333333ULL);
  const __m512i m4 = Broadcast(0x0f0f0f0f0f0f0f0fULL);
  x = _mm512_sub_epi64(x, _mm512_and_si512(_mm512_srli_epi64(x, 1), m1));
  x = _mm512_add_epi64(_mm512_and_si512(x, m2), _mm512_and_si512(_mm512_srli_epi64(x, 2), m2));
  x = _mm512_and_si512(_mm512_add_epi64(x, _mm512_srli_epi64(x, 4)), m4);
  return _mm512_srli_epi64(_mm512_mullo_epi64(x, Broadcast(0x0101010101010101ULL)), 56);
}

}  // namespace

void MulShoupLazyAvx512(const uint64_t* x, const uint64_t* w, const uint64_t* w_shoup,
                        uint64_t q_scalar, size_t n, uint64_t* out) {
  const __m512i q = Broadcast(q_scalar);
  const __m512i two_q = Broadcast(2 * q_scalar);
  for (size_t j = 0; j < n; j += 8) {
    const __m512i ws = Load(w_shoup + j);
    const __m512i r = MulShoupLazy4q(Load(x + j), Load(w + j), ws, _mm512_srli_epi64(ws, 32), q);
    _mm512_storeu_si512(out + j, ReduceBy(r, two_q));
  }
}

void MulShoupAddAvx512(const uint64_t* x, const uint64_t* w, const uint64_t* w_shoup,
                       uint64_t q_scalar, const uint64_t* add, size_t n, uint64_t* out) {
  const __m512i q = Broadcast(q_scalar);
  for (size_t j = 0; j < n; j += 8) {
    const __m512i ws = Load(w_shoup + j);
    const __m512i r = MulShoupLazy(Load(x + j), Load(w + j), ws, _mm512_srli_epi64(ws, 32), q);
    const __m512i sum = _mm512_add_epi64(ReduceBy(r, q), Load(add + j));
    _mm512_storeu_si512(out + j, ReduceBy(sum, q));
  }
}

void AddSmallAvx512(const int64_t* small, size_t n, uint64_t q_scalar, uint64_t* limb) {
  const __m512i q = Broadcast(q_scalar);
  for (size_t j = 0; j < n; j += 8) {
    const __m512i s = ReduceBy(_mm512_add_epi64(Load(small + j), q), q);  // (0, 2q) -> [0, q)
    _mm512_storeu_si512(limb + j, ReduceBy(_mm512_add_epi64(Load(limb + j), s), q));
  }
}

void SmallToRnsAvx512(const int64_t* small, size_t n, uint64_t q_scalar, uint64_t* out) {
  const __m512i q = Broadcast(q_scalar);
  for (size_t j = 0; j < n; j += 8) {
    _mm512_storeu_si512(out + j, ReduceBy(_mm512_add_epi64(Load(small + j), q), q));
  }
}

void AddWideAvx512(const int64_t* wide, size_t n, uint64_t q_scalar, uint64_t barrett64,
                   uint64_t offset_mod, uint64_t* limb) {
  const __m512i q = Broadcast(q_scalar);
  const __m512i barrett = Broadcast(barrett64);
  const __m512i barrett_hi = _mm512_srli_epi64(barrett, 32);
  const __m512i offset = Broadcast(uint64_t{1} << 62);
  const __m512i q_minus_offset = Broadcast(q_scalar - offset_mod);
  for (size_t j = 0; j < n; j += 8) {
    // Modulus::Reduce of v + 2^62, then subtract 2^62 mod q and add into the limb.
    const __m512i x = _mm512_add_epi64(Load(wide + j), offset);
    const __m512i quotient = MulHi64(x, barrett, barrett_hi);
    const __m512i shifted = ReduceBy(_mm512_sub_epi64(x, _mm512_mullo_epi64(quotient, q)), q);
    const __m512i diff = ReduceBy(_mm512_add_epi64(shifted, q_minus_offset), q);
    _mm512_storeu_si512(limb + j, ReduceBy(_mm512_add_epi64(Load(limb + j), diff), q));
  }
}

void AddScaledPlaintextAvx512(const uint32_t* m, size_t n, uint64_t q_scalar, uint64_t delta,
                              uint64_t delta_shoup, uint64_t q_mod_t, int k, uint64_t* limb) {
  const __m512i q = Broadcast(q_scalar);
  const __m512i d = Broadcast(delta);
  const __m512i ds = Broadcast(delta_shoup);
  const __m512i ds_hi = _mm512_srli_epi64(ds, 32);
  const __m512i r = Broadcast(q_mod_t);
  const __m512i half_t = Broadcast(uint64_t{1} << (k - 1));
  const __m128i shift = _mm_cvtsi32_si128(k);
  for (size_t j = 0; j < n; j += 8) {
    const __m512i value =
        _mm512_cvtepu32_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(m + j)));
    // q_mod_t, value < 2^32: one exact 32x32 product; + t/2 stays below 2^64 for k <= 32.
    const __m512i correction =
        _mm512_srl_epi64(_mm512_add_epi64(_mm512_mul_epu32(r, value), half_t), shift);
    const __m512i scaled = ReduceBy(MulShoupLazy(value, d, ds, ds_hi, q), q);
    const __m512i encoded = ReduceBy(_mm512_add_epi64(scaled, correction), q);
    _mm512_storeu_si512(limb + j, ReduceBy(_mm512_add_epi64(Load(limb + j), encoded), q));
  }
}

namespace {

// The 128-bit y * (w_hi 2^64 + w_lo) / 2^64 term of the scalar code, as (hi, lo):
// y * w_hi + floor(y * w_lo / 2^64).
inline void FixedPointTerm(__m512i x, const FixedPointPrime& prime, __m512i* hi, __m512i* lo) {
  const __m512i q = Broadcast(prime.p);
  const __m512i cs = Broadcast(prime.c_shoup);
  const __m512i y =
      ReduceBy(MulShoupLazy(x, Broadcast(prime.c), cs, _mm512_srli_epi64(cs, 32), q), q);
  const __m512i w_hi = Broadcast(prime.w_hi);
  const __m512i w_lo = Broadcast(prime.w_lo);
  const __m512i product_lo = _mm512_mullo_epi64(y, w_hi);
  const __m512i product_hi = MulHi64(y, w_hi, _mm512_srli_epi64(w_hi, 32));
  const __m512i low_term = MulHi64(y, w_lo, _mm512_srli_epi64(w_lo, 32));
  *lo = _mm512_add_epi64(product_lo, low_term);
  const __mmask8 carry = _mm512_cmplt_epu64_mask(*lo, low_term);
  *hi = _mm512_mask_add_epi64(product_hi, carry, product_hi, Broadcast(1));
}

}  // namespace

void ToFixedPointTwoPrimesAvx512(const uint64_t* x0, const uint64_t* x1, size_t n,
                                 const FixedPointPrime& prime0, const FixedPointPrime& prime1,
                                 uint64_t mask_scalar, uint64_t* out) {
  const __m512i mask = Broadcast(mask_scalar);
  for (size_t j = 0; j < n; j += 8) {
    __m512i hi0, lo0, hi1, lo1;
    FixedPointTerm(Load(x0 + j), prime0, &hi0, &lo0);
    FixedPointTerm(Load(x1 + j), prime1, &hi1, &lo1);
    const __m512i lo = _mm512_add_epi64(lo0, lo1);
    const __mmask8 carry = _mm512_cmplt_epu64_mask(lo, lo1);
    __m512i hi = _mm512_add_epi64(hi0, hi1);
    hi = _mm512_mask_add_epi64(hi, carry, hi, Broadcast(1));
    // Bits [32, 96) of the 128-bit sum.
    const __m512i fixed = _mm512_or_si512(_mm512_srli_epi64(lo, 32), _mm512_slli_epi64(hi, 32));
    _mm512_storeu_si512(out + j, _mm512_and_si512(fixed, mask));
  }
}

bool AnyAboveAvx512(const uint64_t* values, size_t n, uint64_t max_value) {
  const __m512i max = Broadcast(max_value);
  __mmask8 above = 0;
  for (size_t j = 0; j < n; j += 8) above |= _mm512_cmpgt_epu64_mask(Load(values + j), max);
  return above != 0;
}

void TernaryFromWordsAvx512(int64_t* words, size_t n) {
  const __m512i one = Broadcast(1);
  for (size_t j = 0; j < n; j += 8) {
    // floor(3r / 2^64) = (r >> 63) + carry of (r << 1) + r.
    const __m512i r = Load(words + j);
    const __m512i low = _mm512_add_epi64(_mm512_slli_epi64(r, 1), r);
    const __mmask8 carry = _mm512_cmplt_epu64_mask(low, r);
    const __m512i trit =
        _mm512_mask_add_epi64(_mm512_srli_epi64(r, 63), carry, _mm512_srli_epi64(r, 63), one);
    _mm512_storeu_si512(words + j, _mm512_sub_epi64(trit, one));
  }
}

namespace {

// With AVX-512 VPOPCNTDQ the population counts are single (constant-time) instructions.
__attribute__((target("avx512f,avx512dq,avx512vpopcntdq"))) void CenteredBinomialPopcnt(
    int64_t* words, size_t n) {
  const __m512i mask21 = Broadcast((uint64_t{1} << 21) - 1);
  for (size_t j = 0; j < n; j += 8) {
    const __m512i r = Load(words + j);
    const __m512i a = _mm512_popcnt_epi64(_mm512_and_si512(r, mask21));
    const __m512i b = _mm512_popcnt_epi64(_mm512_and_si512(_mm512_srli_epi64(r, 21), mask21));
    _mm512_storeu_si512(words + j, _mm512_sub_epi64(a, b));
  }
}

}  // namespace

void CenteredBinomialFromWordsAvx512(int64_t* words, size_t n) {
  static const bool has_popcnt = __builtin_cpu_supports("avx512vpopcntdq") != 0;
  if (has_popcnt) {
    CenteredBinomialPopcnt(words, n);
    return;
  }
  const __m512i mask21 = Broadcast((uint64_t{1} << 21) - 1);
  for (size_t j = 0; j < n; j += 8) {
    const __m512i r = Load(words + j);
    const __m512i a = PopCount64(_mm512_and_si512(r, mask21));
    const __m512i b = PopCount64(_mm512_and_si512(_mm512_srli_epi64(r, 21), mask21));
    _mm512_storeu_si512(words + j, _mm512_sub_epi64(a, b));
  }
}

}  // namespace fedcloak::crypto::internal

#pragma GCC pop_options
