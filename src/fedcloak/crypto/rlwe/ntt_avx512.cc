#include "fedcloak/crypto/rlwe/ntt_avx512.h"

// GCC 12 reports its own _mm512_undefined_* placeholders inside the intrinsic headers
// as "maybe uninitialized" (GCC bug 105593); the lanes are always overwritten.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

// Everything below the pragma is compiled for AVX-512 F + DQ and only entered after
// Avx512Supported() said yes. No standard-library template is instantiated below it,
// so no AVX-512 code can leak into an inline function shared with other files.
namespace fedcloak::crypto::internal {

bool Avx512Supported() {
  static const bool supported =
      __builtin_cpu_supports("avx512f") != 0 && __builtin_cpu_supports("avx512dq") != 0;
  return supported;
}

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq")

}  // namespace fedcloak::crypto::internal

#include "fedcloak/crypto/rlwe/avx512_ops.h"

namespace fedcloak::crypto::internal {
namespace {

using avx512::MulShoupLazy4q;
using avx512::ReduceBy;

// w * y mod q plus 0 or q, in [0, 2q) like the scalar MulShoupLazy (the representative
// may differ from the scalar one; every transform output is the same mod q).
inline __m512i MulShoupLazy(__m512i y, __m512i w, __m512i ws, __m512i ws_hi, __m512i q,
                            __m512i two_q) {
  return ReduceBy(MulShoupLazy4q(y, w, ws, ws_hi, q), two_q);
}

// Forward (Cooley-Tukey) butterfly: inputs < 4q, outputs < 4q.
inline void ForwardButterfly(__m512i& x, __m512i& y, __m512i w, __m512i ws, __m512i ws_hi,
                             __m512i q, __m512i two_q) {
  const __m512i a = ReduceBy(x, two_q);
  const __m512i b = MulShoupLazy(y, w, ws, ws_hi, q, two_q);
  x = _mm512_add_epi64(a, b);
  y = _mm512_sub_epi64(_mm512_add_epi64(a, two_q), b);
}

// Inverse (Gentleman-Sande) butterfly: inputs < 2q, outputs < 2q.
inline void InverseButterfly(__m512i& x, __m512i& y, __m512i w, __m512i ws, __m512i ws_hi,
                             __m512i q, __m512i two_q) {
  const __m512i a = x;
  const __m512i b = y;
  x = ReduceBy(_mm512_add_epi64(a, b), two_q);
  y = MulShoupLazy(_mm512_sub_epi64(_mm512_add_epi64(a, two_q), b), w, ws, ws_hi, q, two_q);
}

inline __m512i Permute(__m512i a, __m512i index, __m512i b) {
  return _mm512_permutex2var_epi64(a, index, b);
}

// `count` twiddles (and Shoup factors) from `roots`, each repeated 8 / count times.
inline void SpreadTwiddles(const uint64_t* roots, const uint64_t* roots_shoup, __mmask8 count_mask,
                           __m512i spread, __m512i* w, __m512i* ws, __m512i* ws_hi) {
  *w = _mm512_permutexvar_epi64(spread, _mm512_maskz_loadu_epi64(count_mask, roots));
  *ws = _mm512_permutexvar_epi64(spread, _mm512_maskz_loadu_epi64(count_mask, roots_shoup));
  *ws_hi = _mm512_srli_epi64(*ws, 32);
}

// The three stages with butterfly distance 4, 2 and 1 (forward order; the inverse runs
// them as 1, 2, 4), fused: 16 consecutive words stay in two registers. Positions of
// the 16 words in the x / y operands of each stage:
//   gap 4: x = 0-3, 8-11       y = 4-7, 12-15
//   gap 2: x = 0,1,4,5,8,9,... y = 2,3,6,7,...
//   gap 1: x = even            y = odd
// The index vectors below move between neighbouring layouts (each is its own inverse
// as a pair of permutations, so forward and inverse use the same ones).
template <bool kInverse>
void SmallGapStages(uint64_t* values, size_t n, const uint64_t* roots, const uint64_t* roots_shoup,
                    __m512i q, __m512i two_q) {
  const __m512i to_gap4_x = _mm512_setr_epi64(0, 1, 2, 3, 8, 9, 10, 11);
  const __m512i to_gap4_y = _mm512_setr_epi64(4, 5, 6, 7, 12, 13, 14, 15);
  const __m512i gap4_gap2_x = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13);
  const __m512i gap4_gap2_y = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
  const __m512i gap2_gap1_x = _mm512_setr_epi64(0, 8, 2, 10, 4, 12, 6, 14);
  const __m512i gap2_gap1_y = _mm512_setr_epi64(1, 9, 3, 11, 5, 13, 7, 15);
  const __m512i even = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
  const __m512i odd = _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15);
  const __m512i interleave_lo = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
  const __m512i interleave_hi = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
  const __m512i spread4 = _mm512_setr_epi64(0, 0, 0, 0, 1, 1, 1, 1);
  const __m512i spread2 = _mm512_setr_epi64(0, 0, 1, 1, 2, 2, 3, 3);
  const size_t m4 = n / 8, m2 = n / 4, m1 = n / 2;
  for (size_t b = 0; b < n / 16; ++b) {
    uint64_t* block = values + 16 * b;
    const __m512i v0 = _mm512_loadu_si512(block);
    const __m512i v1 = _mm512_loadu_si512(block + 8);
    __m512i w4, ws4, ws4_hi, w2, ws2, ws2_hi;
    SpreadTwiddles(roots + m4 + 2 * b, roots_shoup + m4 + 2 * b, 0x3, spread4, &w4, &ws4, &ws4_hi);
    SpreadTwiddles(roots + m2 + 4 * b, roots_shoup + m2 + 4 * b, 0xf, spread2, &w2, &ws2, &ws2_hi);
    const __m512i w1 = _mm512_loadu_si512(roots + m1 + 8 * b);
    const __m512i ws1 = _mm512_loadu_si512(roots_shoup + m1 + 8 * b);
    const __m512i ws1_hi = _mm512_srli_epi64(ws1, 32);
    if constexpr (kInverse) {
      __m512i x1 = Permute(v0, even, v1), y1 = Permute(v0, odd, v1);
      InverseButterfly(x1, y1, w1, ws1, ws1_hi, q, two_q);
      __m512i x2 = Permute(x1, gap2_gap1_x, y1), y2 = Permute(x1, gap2_gap1_y, y1);
      InverseButterfly(x2, y2, w2, ws2, ws2_hi, q, two_q);
      __m512i x4 = Permute(x2, gap4_gap2_x, y2), y4 = Permute(x2, gap4_gap2_y, y2);
      InverseButterfly(x4, y4, w4, ws4, ws4_hi, q, two_q);
      _mm512_storeu_si512(block, Permute(x4, to_gap4_x, y4));
      _mm512_storeu_si512(block + 8, Permute(x4, to_gap4_y, y4));
    } else {
      __m512i x4 = Permute(v0, to_gap4_x, v1), y4 = Permute(v0, to_gap4_y, v1);
      ForwardButterfly(x4, y4, w4, ws4, ws4_hi, q, two_q);
      __m512i x2 = Permute(x4, gap4_gap2_x, y4), y2 = Permute(x4, gap4_gap2_y, y4);
      ForwardButterfly(x2, y2, w2, ws2, ws2_hi, q, two_q);
      __m512i x1 = Permute(x2, gap2_gap1_x, y2), y1 = Permute(x2, gap2_gap1_y, y2);
      ForwardButterfly(x1, y1, w1, ws1, ws1_hi, q, two_q);
      _mm512_storeu_si512(block, Permute(x1, interleave_lo, y1));
      _mm512_storeu_si512(block + 8, Permute(x1, interleave_hi, y1));
    }
  }
}

}  // namespace

void ForwardLazyAvx512(uint64_t* values, size_t n, uint64_t q_scalar, const uint64_t* roots,
                       const uint64_t* roots_shoup) {
  const __m512i q = _mm512_set1_epi64(static_cast<long long>(q_scalar));
  const __m512i two_q = _mm512_set1_epi64(static_cast<long long>(2 * q_scalar));
  size_t gap = n >> 1;
  size_t m = 1;
  for (; gap >= 8; m <<= 1, gap >>= 1) {
    for (size_t i = 0; i < m; ++i) {
      const __m512i w = _mm512_set1_epi64(static_cast<long long>(roots[m + i]));
      const __m512i ws = _mm512_set1_epi64(static_cast<long long>(roots_shoup[m + i]));
      const __m512i ws_hi = _mm512_srli_epi64(ws, 32);
      uint64_t* x_ptr = values + 2 * i * gap;
      uint64_t* y_ptr = x_ptr + gap;
      for (size_t j = 0; j < gap; j += 8) {
        __m512i x = _mm512_loadu_si512(x_ptr + j);
        __m512i y = _mm512_loadu_si512(y_ptr + j);
        ForwardButterfly(x, y, w, ws, ws_hi, q, two_q);
        _mm512_storeu_si512(x_ptr + j, x);
        _mm512_storeu_si512(y_ptr + j, y);
      }
    }
  }
  SmallGapStages<false>(values, n, roots, roots_shoup, q, two_q);
}

void InverseAvx512(uint64_t* values, size_t n, uint64_t q_scalar, const uint64_t* inv_roots,
                   const uint64_t* inv_roots_shoup, uint64_t n_inv, uint64_t n_inv_shoup) {
  const __m512i q = _mm512_set1_epi64(static_cast<long long>(q_scalar));
  const __m512i two_q = _mm512_set1_epi64(static_cast<long long>(2 * q_scalar));
  SmallGapStages<true>(values, n, inv_roots, inv_roots_shoup, q, two_q);
  size_t gap = 8;
  for (size_t m = n >> 4; m > 1; m >>= 1, gap <<= 1) {
    for (size_t i = 0; i < m; ++i) {
      const __m512i w = _mm512_set1_epi64(static_cast<long long>(inv_roots[m + i]));
      const __m512i ws = _mm512_set1_epi64(static_cast<long long>(inv_roots_shoup[m + i]));
      const __m512i ws_hi = _mm512_srli_epi64(ws, 32);
      uint64_t* x_ptr = values + 2 * i * gap;
      uint64_t* y_ptr = x_ptr + gap;
      for (size_t j = 0; j < gap; j += 8) {
        __m512i x = _mm512_loadu_si512(x_ptr + j);
        __m512i y = _mm512_loadu_si512(y_ptr + j);
        InverseButterfly(x, y, w, ws, ws_hi, q, two_q);
        _mm512_storeu_si512(x_ptr + j, x);
        _mm512_storeu_si512(y_ptr + j, y);
      }
    }
  }
  // Last stage (m = 1, gap = n / 2) with the 1/n scaling folded in; outputs reduced.
  const __m512i w = _mm512_set1_epi64(static_cast<long long>(inv_roots[1]));
  const __m512i ws = _mm512_set1_epi64(static_cast<long long>(inv_roots_shoup[1]));
  const __m512i ws_hi = _mm512_srli_epi64(ws, 32);
  const __m512i ni = _mm512_set1_epi64(static_cast<long long>(n_inv));
  const __m512i nis = _mm512_set1_epi64(static_cast<long long>(n_inv_shoup));
  const __m512i nis_hi = _mm512_srli_epi64(nis, 32);
  uint64_t* x_ptr = values;
  uint64_t* y_ptr = values + (n >> 1);
  for (size_t j = 0; j < (n >> 1); j += 8) {
    const __m512i a = _mm512_loadu_si512(x_ptr + j);
    const __m512i b = _mm512_loadu_si512(y_ptr + j);
    const __m512i sum = MulShoupLazy(_mm512_add_epi64(a, b), ni, nis, nis_hi, q, two_q);
    const __m512i diff =
        MulShoupLazy(_mm512_sub_epi64(_mm512_add_epi64(a, two_q), b), w, ws, ws_hi, q, two_q);
    _mm512_storeu_si512(x_ptr + j, ReduceBy(sum, q));
    _mm512_storeu_si512(y_ptr + j, ReduceBy(diff, q));
  }
}

void ReduceFromFourQAvx512(uint64_t* values, size_t n, uint64_t q_scalar) {
  const __m512i q = _mm512_set1_epi64(static_cast<long long>(q_scalar));
  const __m512i two_q = _mm512_set1_epi64(static_cast<long long>(2 * q_scalar));
  for (size_t j = 0; j < n; j += 8) {
    const __m512i v = _mm512_loadu_si512(values + j);
    _mm512_storeu_si512(values + j, ReduceBy(ReduceBy(v, two_q), q));
  }
}

#pragma GCC pop_options

}  // namespace fedcloak::crypto::internal
