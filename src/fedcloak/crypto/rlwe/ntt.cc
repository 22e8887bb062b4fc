#include "fedcloak/crypto/rlwe/ntt.h"

#include <fmt/format.h>

#include <bit>

#include "fedcloak/base/status.h"
#include "fedcloak/crypto/rlwe/ntt_avx512.h"

namespace fedcloak::crypto {
namespace {

size_t BitReverse(size_t x, int bits) {
  size_t r = 0;
  for (int i = 0; i < bits; ++i) r |= ((x >> i) & 1) << (bits - 1 - i);
  return r;
}

// x - 2q if x >= 2q, for x < 4q < 2^63: the sign bit of x - 2q selects (branch-free).
inline uint64_t ReduceTwice(uint64_t x, uint64_t two_q) {
  const uint64_t y = x - two_q;
  return y + (two_q & (0 - (y >> 63)));
}

}  // namespace

absl::StatusOr<NttTables> NttTables::Create(size_t n, const Modulus& q) {
  if (n < 2 || n > (size_t{1} << 17) || !std::has_single_bit(n)) {
    return absl::InvalidArgumentError(
        fmt::format("NTT size {} is not a power of two in [2, 131072]", n));
  }
  FEDCLOAK_ASSIGN_OR_RETURN(const uint64_t psi, MinimalPrimitiveRoot(q, 2 * n));
  NttTables t(n, q);
  t.psi_ = psi;
  const uint64_t p = q.value();
  const int log_n = std::countr_zero(n);
  const uint64_t psi_inv = q.Inverse(psi);
  std::vector<uint64_t> powers(n), inv_powers(n);
  powers[0] = inv_powers[0] = 1;
  for (size_t i = 1; i < n; ++i) {
    powers[i] = q.Mul(powers[i - 1], psi);
    inv_powers[i] = q.Mul(inv_powers[i - 1], psi_inv);
  }
  t.roots_.resize(n);
  t.roots_shoup_.resize(n);
  t.inv_roots_.resize(n);
  t.inv_roots_shoup_.resize(n);
  t.n_inv_ = q.Inverse(n % p);
  t.n_inv_shoup_ = ShoupPrecompute(t.n_inv_, p);
  for (size_t i = 0; i < n; ++i) {
    const size_t r = BitReverse(i, log_n);
    t.roots_[i] = powers[r];
    t.inv_roots_[i] = inv_powers[r];
  }
  // The last inverse stage multiplies its difference by psi^-1 and both outputs by n^-1.
  t.inv_roots_[1] = q.Mul(t.inv_roots_[1], t.n_inv_);
  for (size_t i = 0; i < n; ++i) {
    t.roots_shoup_[i] = ShoupPrecompute(t.roots_[i], p);
    t.inv_roots_shoup_[i] = ShoupPrecompute(t.inv_roots_[i], p);
  }
  t.vectorized_ = n >= 16 && internal::Avx512Supported();
  return t;
}

void NttTables::ForwardLazy(uint64_t* values) const {
  if (vectorized_) {
    internal::ForwardLazyAvx512(values, n_, q_.value(), roots_.data(), roots_shoup_.data());
    return;
  }
  ForwardLazyScalar(values);
}

void NttTables::Inverse(uint64_t* values) const {
  if (vectorized_) {
    internal::InverseAvx512(values, n_, q_.value(), inv_roots_.data(), inv_roots_shoup_.data(),
                            n_inv_, n_inv_shoup_);
    return;
  }
  InverseScalar(values);
}

void NttTables::ForwardLazyScalar(uint64_t* values) const {
  const uint64_t q = q_.value();
  const uint64_t two_q = 2 * q;
  size_t gap = n_ >> 1;
  for (size_t m = 1; m < n_; m <<= 1, gap >>= 1) {
    for (size_t i = 0; i < m; ++i) {
      const uint64_t w = roots_[m + i];
      const uint64_t w_shoup = roots_shoup_[m + i];
      uint64_t* x = values + 2 * i * gap;
      uint64_t* y = x + gap;
      for (size_t j = 0; j < gap; ++j) {
        // Invariant: inputs in [0, 4q); outputs in [0, 4q).
        const uint64_t a = ReduceTwice(x[j], two_q);
        const uint64_t b = MulShoupLazy(y[j], w, w_shoup, q);  // [0, 2q)
        x[j] = a + b;
        y[j] = a + two_q - b;
      }
    }
  }
}

void NttTables::Forward(uint64_t* values) const {
  ForwardLazy(values);
  const uint64_t q = q_.value();
  if (vectorized_) {
    internal::ReduceFromFourQAvx512(values, n_, q);
    return;
  }
  for (size_t i = 0; i < n_; ++i) {
    values[i] = q_.ReduceOnce(ReduceTwice(values[i], 2 * q));
  }
}

void NttTables::InverseScalar(uint64_t* values) const {
  const uint64_t q = q_.value();
  const uint64_t two_q = 2 * q;
  size_t gap = 1;
  for (size_t m = n_ >> 1; m > 1; m >>= 1, gap <<= 1) {
    for (size_t i = 0; i < m; ++i) {
      const uint64_t w = inv_roots_[m + i];
      const uint64_t w_shoup = inv_roots_shoup_[m + i];
      uint64_t* x = values + 2 * i * gap;
      uint64_t* y = x + gap;
      for (size_t j = 0; j < gap; ++j) {
        // Invariant: inputs in [0, 2q); outputs in [0, 2q).
        const uint64_t a = x[j];
        const uint64_t b = y[j];
        x[j] = ReduceTwice(a + b, two_q);
        y[j] = MulShoupLazy(a + two_q - b, w, w_shoup, q);
      }
    }
  }
  // Last stage (m = 1) with the 1/n scaling folded in.
  const uint64_t w = inv_roots_[1];
  const uint64_t w_shoup = inv_roots_shoup_[1];
  uint64_t* x = values;
  uint64_t* y = values + gap;
  for (size_t j = 0; j < gap; ++j) {
    const uint64_t a = x[j];
    const uint64_t b = y[j];
    x[j] = q_.ReduceOnce(MulShoupLazy(a + b, n_inv_, n_inv_shoup_, q));
    y[j] = q_.ReduceOnce(MulShoupLazy(a + two_q - b, w, w_shoup, q));
  }
}

}  // namespace fedcloak::crypto
