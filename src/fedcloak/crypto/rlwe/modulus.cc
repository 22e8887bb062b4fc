#include "fedcloak/crypto/rlwe/modulus.h"

#include <fmt/format.h>

#include <bit>

#include "fedcloak/base/check.h"

namespace fedcloak::crypto {

Modulus::Modulus(uint64_t q) : q_(q), bits_(static_cast<int>(std::bit_width(q))) {
  barrett64_ = static_cast<uint64_t>((uint128_t{1} << 64) / q);
  const uint128_t ratio = ~uint128_t{0} / q;  // floor((2^128 - 1) / q) = floor(2^128 / q) for odd q
  barrett128_hi_ = static_cast<uint64_t>(ratio >> 64);
  barrett128_lo_ = static_cast<uint64_t>(ratio);
}

absl::StatusOr<Modulus> Modulus::Create(uint64_t q) {
  if (q <= 2 || std::bit_width(q) > kMaxPrimeBits) {
    return absl::InvalidArgumentError(
        fmt::format("modulus {} is outside (2, 2^{})", q, kMaxPrimeBits));
  }
  if (!IsPrime64(q)) return absl::InvalidArgumentError(fmt::format("modulus {} is not prime", q));
  return Modulus(q);
}

uint64_t Modulus::Reduce128(uint128_t x) const {
  // Barrett reduction with floor(2^128 / q): quotient estimate floor(x * ratio / 2^128)
  // is at most 1 too small, so one masked subtraction finishes.
  const uint64_t x0 = static_cast<uint64_t>(x);
  const uint64_t x1 = static_cast<uint64_t>(x >> 64);
  const uint128_t p00 = static_cast<uint128_t>(x0) * barrett128_lo_;
  const uint128_t p01 = static_cast<uint128_t>(x0) * barrett128_hi_;
  const uint128_t p10 = static_cast<uint128_t>(x1) * barrett128_lo_;
  const uint128_t middle = (p00 >> 64) + static_cast<uint64_t>(p01) + static_cast<uint64_t>(p10);
  const uint64_t quotient = x1 * barrett128_hi_ + static_cast<uint64_t>(p01 >> 64) +
                            static_cast<uint64_t>(p10 >> 64) + static_cast<uint64_t>(middle >> 64);
  return ReduceOnce(x0 - quotient * q_);
}

uint64_t Modulus::ShoupFactor(uint64_t w) const {
  // x = w * 2^64: its Barrett quotient estimate is at most 1 too small.
  const uint128_t p10 = static_cast<uint128_t>(w) * barrett128_lo_;
  uint64_t quotient = w * barrett128_hi_ + static_cast<uint64_t>(p10 >> 64);
  const uint64_t remainder = 0 - quotient * q_;  // x - quotient * q, in [0, 2q)
  quotient += static_cast<uint64_t>(remainder >= q_);
  return quotient;
}

uint64_t Modulus::Pow(uint64_t base, uint64_t e) const {
  uint64_t result = 1 % q_;
  base = Reduce(base);
  while (e != 0) {
    if (e & 1) result = Mul(result, base);
    base = Mul(base, base);
    e >>= 1;
  }
  return result;
}

namespace {

uint64_t PowMod128(uint64_t base, uint64_t e, uint64_t n) {
  uint64_t result = 1 % n;
  base %= n;
  while (e != 0) {
    if (e & 1) result = static_cast<uint64_t>(static_cast<uint128_t>(result) * base % n);
    base = static_cast<uint64_t>(static_cast<uint128_t>(base) * base % n);
    e >>= 1;
  }
  return result;
}

}  // namespace

bool IsPrime64(uint64_t n) {
  if (n < 2) return false;
  for (uint64_t p :
       {2ULL, 3ULL, 5ULL, 7ULL, 11ULL, 13ULL, 17ULL, 19ULL, 23ULL, 29ULL, 31ULL, 37ULL}) {
    if (n % p == 0) return n == p;
  }
  uint64_t d = n - 1;
  int r = 0;
  while ((d & 1) == 0) {
    d >>= 1;
    ++r;
  }
  // These bases are a deterministic witness set for all n < 2^64 (Sinclair).
  for (uint64_t a : {2ULL, 325ULL, 9375ULL, 28178ULL, 450775ULL, 9780504ULL, 1795265022ULL}) {
    const uint64_t base = a % n;
    if (base == 0) continue;
    uint64_t x = PowMod128(base, d, n);
    if (x == 1 || x == n - 1) continue;
    bool composite = true;
    for (int i = 1; i < r; ++i) {
      x = static_cast<uint64_t>(static_cast<uint128_t>(x) * x % n);
      if (x == n - 1) {
        composite = false;
        break;
      }
    }
    if (composite) return false;
  }
  return true;
}

absl::StatusOr<std::vector<uint64_t>> GenerateNttPrimes(int bits, uint64_t n, int count) {
  if (bits < 20 || bits > kMaxPrimeBits) {
    return absl::InvalidArgumentError(
        fmt::format("prime size of {} bits is outside [20, {}]", bits, kMaxPrimeBits));
  }
  if (n < 2 || !std::has_single_bit(n) || count < 1) {
    return absl::InvalidArgumentError(
        fmt::format("cannot generate {} primes for ring degree {}", count, n));
  }
  const uint64_t step = 2 * n;
  const uint64_t upper = uint64_t{1} << bits;
  const uint64_t lower = uint64_t{1} << (bits - 1);
  std::vector<uint64_t> primes;
  // Largest candidate below 2^bits that is 1 mod 2n.
  for (uint64_t candidate = upper - step + 1; candidate > lower && primes.size() < size_t(count);
       candidate -= step) {
    if (IsPrime64(candidate)) primes.push_back(candidate);
  }
  if (primes.size() < static_cast<size_t>(count)) {
    return absl::InvalidArgumentError(fmt::format(
        "only {} primes of {} bits are 1 mod {}; {} requested", primes.size(), bits, step, count));
  }
  return primes;
}

absl::StatusOr<uint64_t> MinimalPrimitiveRoot(const Modulus& q, uint64_t two_n) {
  const uint64_t p = q.value();
  if (two_n < 2 || !std::has_single_bit(two_n) || (p - 1) % two_n != 0) {
    return absl::InvalidArgumentError(fmt::format(
        "modulus {} is not 1 mod {}: no primitive {}-th root of unity", p, two_n, two_n));
  }
  const uint64_t cofactor = (p - 1) / two_n;
  uint64_t generator = 0;
  for (uint64_t x = 2; x < p; ++x) {
    const uint64_t g = q.Pow(x, cofactor);
    // For a power-of-two order, g is primitive iff g^(order/2) = -1.
    if (q.Pow(g, two_n / 2) == p - 1) {
      generator = g;
      break;
    }
  }
  FEDCLOAK_CHECK(generator != 0, "a prime 1 mod 2n has a primitive 2n-th root");
  // Every primitive root is generator^k for odd k; take the smallest.
  const uint64_t square = q.Mul(generator, generator);
  uint64_t current = generator;
  uint64_t minimum = generator;
  for (uint64_t k = 1; k < two_n / 2; ++k) {
    current = q.Mul(current, square);
    if (current < minimum) minimum = current;
  }
  return minimum;
}

}  // namespace fedcloak::crypto
