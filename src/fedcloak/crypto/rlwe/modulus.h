// Word-size modular arithmetic for the RLWE layer: a prime modulus q < 2^62 with its
// Barrett constant, Shoup precomputation for multiplications by a fixed operand, and
// the number theory that NTT-friendly primes need (primality, roots of unity).
//
// All hot-path functions are branch-free in their operands (conditional subtractions
// use masks), so they may touch secret values. Number-theoretic helpers (IsNttPrime,
// PowMod, roots) only ever see public values.
#ifndef FEDCLOAK_CRYPTO_RLWE_MODULUS_H_
#define FEDCLOAK_CRYPTO_RLWE_MODULUS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"

namespace fedcloak::crypto {

using uint128_t = unsigned __int128;

// Largest prime the RLWE layer accepts: lazy Harvey butterflies keep values in [0, 4q),
// which must fit in 64 bits.
inline constexpr int kMaxPrimeBits = 61;

// A prime modulus with precomputed constants. Copyable, immutable.
class Modulus {
 public:
  // InvalidArgument unless 2 < q < 2^61 and q is prime.
  static absl::StatusOr<Modulus> Create(uint64_t q);

  uint64_t value() const { return q_; }
  int bits() const { return bits_; }
  // floor(2^64 / q), for Barrett reduction of a 64-bit word.
  uint64_t barrett64() const { return barrett64_; }

  // x mod q for any 64-bit x (branch-free).
  uint64_t Reduce(uint64_t x) const {
    const uint64_t quotient = static_cast<uint64_t>((static_cast<uint128_t>(x) * barrett64_) >> 64);
    return ReduceOnce(x - quotient * q_);
  }
  // x mod q for a 128-bit x < q * 2^64 (branch-free).
  uint64_t Reduce128(uint128_t x) const;
  // a * b mod q for a, b < q.
  uint64_t Mul(uint64_t a, uint64_t b) const { return Reduce128(static_cast<uint128_t>(a) * b); }
  uint64_t Add(uint64_t a, uint64_t b) const { return ReduceOnce(a + b); }
  uint64_t Sub(uint64_t a, uint64_t b) const { return ReduceOnce(a + q_ - b); }
  uint64_t Negate(uint64_t a) const { return ReduceOnce(q_ - a); }
  // x - q if x >= q, else x; REQUIRES x < 2q (branch-free).
  uint64_t ReduceOnce(uint64_t x) const {
    const uint64_t y = x - q_;
    return y + (q_ & (0 - (y >> 63)));
  }
  // floor(w * 2^64 / q) for w < q without a division instruction (whose latency may
  // depend on its operands): the Shoup factor of a secret multiplier.
  uint64_t ShoupFactor(uint64_t w) const;
  // Public exponentiation (variable time in `e`).
  uint64_t Pow(uint64_t base, uint64_t e) const;
  // a^-1 mod q for a public a != 0.
  uint64_t Inverse(uint64_t a) const { return Pow(a, q_ - 2); }

  friend bool operator==(const Modulus& a, const Modulus& b) { return a.q_ == b.q_; }

 private:
  explicit Modulus(uint64_t q);
  uint64_t q_;
  int bits_;
  uint64_t barrett64_;
  uint64_t barrett128_hi_;  // floor(2^128 / q) = hi * 2^64 + lo
  uint64_t barrett128_lo_;
};

// Shoup's precomputation for multiplying by a fixed w < q: floor(w * 2^64 / q).
inline uint64_t ShoupPrecompute(uint64_t w, uint64_t q) {
  return static_cast<uint64_t>((static_cast<uint128_t>(w) << 64) / q);
}

// w * x mod q in [0, 2q) for any 64-bit x (Harvey's lazy Shoup multiplication).
inline uint64_t MulShoupLazy(uint64_t x, uint64_t w, uint64_t w_shoup, uint64_t q) {
  const uint64_t quotient = static_cast<uint64_t>((static_cast<uint128_t>(x) * w_shoup) >> 64);
  return x * w - quotient * q;
}

// Deterministic Miller-Rabin for 64-bit n.
bool IsPrime64(uint64_t n);

// The `count` largest primes q < 2^bits with q = 1 mod 2n, in descending order
// (SEAL's CoeffModulus::Create convention). InvalidArgument if 20 > bits > 61, n is
// not a power of two, or too few such primes exist.
absl::StatusOr<std::vector<uint64_t>> GenerateNttPrimes(int bits, uint64_t n, int count);

// The smallest primitive 2n-th root of unity mod q (SEAL's convention, so that SEAL's
// published NTT values apply). InvalidArgument if q != 1 mod 2n.
absl::StatusOr<uint64_t> MinimalPrimitiveRoot(const Modulus& q, uint64_t two_n);

}  // namespace fedcloak::crypto

#endif  // FEDCLOAK_CRYPTO_RLWE_MODULUS_H_
