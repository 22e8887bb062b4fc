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

using avx512::MulShoupLazy;
using avx512::ReduceBy;

// Forward (Cooley-Tukey) butterfly: inputs < 4q, outputs < 4q.
inline void ForwardButterfly(__m512i& x, __m512i& y, __m512i w, __m512i ws, __m512i ws_hi,
                             __m512i q, __m512i two_q) {
  const __m512i a = ReduceBy(x, two_q);
  const __m512i b = MulShoupLazy(y, w, ws, ws_hi, q);
  x = _mm512_add_epi64(a, b);
  y = _mm512_sub_epi64(_mm512_add_epi64(a, two_q), b);
}

// Inverse (Gentleman-Sande) butterfly: inputs < 2q, outputs < 2q.
inline void InverseButterfly(__m512i& x, __m512i& y, __m512i w, __m512i ws, __m512i ws_hi,
                             __m512i q, __m512i two_q) {
  const __m512i a = x;
  const __m512i b = y;
  x = ReduceBy(_mm512_add_epi64(a, b), two_q);
  y = MulShoupLazy(_mm512_sub_epi64(_mm512_add_epi64(a, two_q), b), w, ws, ws_hi, q);
}

// Lane permutations for the stages whose butterfly distance `gap` is below 8: 16
// consecutive words (v0, v1) are split into the x halves X and the y halves Y of their
// 16 / (2 gap) butterflies, and merged back afterwards.
struct SmallGapShuffle {
  __m512i to_x, to_y, back0, back1, spread;
  __mmask8 twiddle_mask;
};

inline SmallGapShuffle ShuffleFor(int gap) {
  if (gap == 4) {
    return {_mm512_setr_epi64(0, 1, 2, 3, 8, 9, 10, 11),
            _mm512_setr_epi64(4, 5, 6, 7, 12, 13, 14, 15),
            _mm512_setr_epi64(0, 1, 2, 3, 8, 9, 10, 11),
            _mm512_setr_epi64(4, 5, 6, 7, 12, 13, 14, 15),
            _mm512_setr_epi64(0, 0, 0, 0, 1, 1, 1, 1), 0x3};
  }
  if (gap == 2) {
    return {_mm512_setr_epi64(0, 1, 4, 5, 8, 9, 12, 13),
            _mm512_setr_epi64(2, 3, 6, 7, 10, 11, 14, 15),
            _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11),
            _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15),
            _mm512_setr_epi64(0, 0, 1, 1, 2, 2, 3, 3), 0xf};
  }
  return {_mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14),
          _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15),
          _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11),
          _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15),
          _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7), 0xff};
}

// One stage with butterfly distance gap in {1, 2, 4}; twiddles roots[m + i] for the
// m = n / (2 gap) butterfly groups.
template <bool kInverse>
void SmallGapStage(uint64_t* values, size_t n, int gap, const uint64_t* roots,
                   const uint64_t* roots_shoup, __m512i q, __m512i two_q) {
  const SmallGapShuffle s = ShuffleFor(gap);
  const size_t m = n / (2 * static_cast<size_t>(gap));
  const size_t twiddles_per_block = 8 / static_cast<size_t>(gap);
  const uint64_t* w_ptr = roots + m;
  const uint64_t* ws_ptr = roots_shoup + m;
  for (size_t k = 0; k < n; k += 16, w_ptr += twiddles_per_block, ws_ptr += twiddles_per_block) {
    const __m512i v0 = _mm512_loadu_si512(values + k);
    const __m512i v1 = _mm512_loadu_si512(values + k + 8);
    __m512i x = _mm512_permutex2var_epi64(v0, s.to_x, v1);
    __m512i y = _mm512_permutex2var_epi64(v0, s.to_y, v1);
    const __m512i w =
        _mm512_permutexvar_epi64(s.spread, _mm512_maskz_loadu_epi64(s.twiddle_mask, w_ptr));
    const __m512i ws =
        _mm512_permutexvar_epi64(s.spread, _mm512_maskz_loadu_epi64(s.twiddle_mask, ws_ptr));
    const __m512i ws_hi = _mm512_srli_epi64(ws, 32);
    if constexpr (kInverse) {
      InverseButterfly(x, y, w, ws, ws_hi, q, two_q);
    } else {
      ForwardButterfly(x, y, w, ws, ws_hi, q, two_q);
    }
    _mm512_storeu_si512(values + k, _mm512_permutex2var_epi64(x, s.back0, y));
    _mm512_storeu_si512(values + k + 8, _mm512_permutex2var_epi64(x, s.back1, y));
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
  for (int small = 4; small >= 1; small >>= 1) {
    SmallGapStage<false>(values, n, small, roots, roots_shoup, q, two_q);
  }
}

void InverseAvx512(uint64_t* values, size_t n, uint64_t q_scalar, const uint64_t* inv_roots,
                   const uint64_t* inv_roots_shoup, uint64_t n_inv, uint64_t n_inv_shoup) {
  const __m512i q = _mm512_set1_epi64(static_cast<long long>(q_scalar));
  const __m512i two_q = _mm512_set1_epi64(static_cast<long long>(2 * q_scalar));
  for (int small = 1; small <= 4; small <<= 1) {
    SmallGapStage<true>(values, n, small, inv_roots, inv_roots_shoup, q, two_q);
  }
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
    const __m512i sum = MulShoupLazy(_mm512_add_epi64(a, b), ni, nis, nis_hi, q);
    const __m512i diff =
        MulShoupLazy(_mm512_sub_epi64(_mm512_add_epi64(a, two_q), b), w, ws, ws_hi, q);
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
