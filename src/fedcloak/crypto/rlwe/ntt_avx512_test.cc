// Cross-checks of the AVX-512 kernels against the scalar reference code, lane by lane
// (fully reduced outputs bit for bit; lazy outputs by range and residue),
// for every ring degree the parameter sets allow, small degrees that exercise every
// stage shape, and prime sizes from 20 to 61 bits (the whole accepted range), with
// random and extreme inputs. Skipped on CPUs without AVX-512 F + DQ, where the kernels
// are never called.
#include "fedcloak/crypto/rlwe/ntt_avx512.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "fedcloak/crypto/rlwe/modulus.h"
#include "fedcloak/crypto/rlwe/ntt.h"
#include "fedcloak/crypto/rlwe/rlwe_kernels_avx512.h"

namespace fedcloak::crypto {
namespace {

class RlweAvx512Test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!internal::Avx512Supported()) GTEST_SKIP() << "no AVX-512 F + DQ on this CPU";
  }
};

// Inputs below `bound` with the extremes 0 and bound - 1 at both ends.
std::vector<uint64_t> RandomBelow(size_t n, uint64_t bound, std::mt19937_64& gen) {
  std::vector<uint64_t> v(n);
  for (auto& x : v) x = gen() % bound;
  v[0] = bound - 1;
  v[1] = 0;
  v[n - 1] = bound - 1;
  return v;
}

TEST_F(RlweAvx512Test, NttMatchesScalarReferenceBitForBit) {
  const uint64_t seed = 77;
  std::mt19937_64 gen(seed);
  for (size_t n : {16u, 32u, 64u, 1024u, 2048u, 4096u, 8192u, 16384u, 32768u}) {
    for (int bits : {20, 30, 40, 50, 54, 55, 60, 61}) {
      auto primes = GenerateNttPrimes(bits, n, 1);
      if (!primes.ok()) continue;  // no 20-bit prime is 1 mod 2n for large n
      const Modulus q = *Modulus::Create((*primes)[0]);
      const NttTables tables = *NttTables::Create(n, q);
      ASSERT_TRUE(tables.vectorized());
      const uint64_t p = q.value();
      // Lazy forward: any input < 4q; outputs < 4q, equal mod q (the vector butterflies
      // may keep another representative in [0, 4q)).
      std::vector<uint64_t> x = RandomBelow(n, 4 * p, gen);
      std::vector<uint64_t> y = x;
      tables.ForwardLazy(x.data());
      tables.ForwardLazyScalar(y.data());
      for (size_t j = 0; j < n; ++j) {
        ASSERT_LT(x[j], 4 * p) << "n " << n << " bits " << bits << " j " << j;
        ASSERT_EQ(x[j] % p, y[j] % p) << "n " << n << " bits " << bits << " j " << j;
      }
      // Forward with full reduction.
      x = RandomBelow(n, 4 * p, gen);
      y = x;
      tables.Forward(x.data());
      tables.ForwardLazyScalar(y.data());
      for (auto& v : y) v %= p;
      ASSERT_EQ(x, y) << "reduced forward n " << n << " bits " << bits << " seed " << seed;
      // Inverse: any input < 2q.
      x = RandomBelow(n, 2 * p, gen);
      y = x;
      tables.Inverse(x.data());
      tables.InverseScalar(y.data());
      ASSERT_EQ(x, y) << "inverse n " << n << " bits " << bits << " seed " << seed;
    }
  }
}

TEST_F(RlweAvx512Test, PointwiseKernelsMatchScalar) {
  const uint64_t seed = 78;
  std::mt19937_64 gen(seed);
  const size_t n = 256;
  for (int bits : {20, 40, 54, 55, 61}) {
    const uint64_t p = (*GenerateNttPrimes(bits, n, 1))[0];
    const Modulus q = *Modulus::Create(p);
    const std::vector<uint64_t> x = RandomBelow(n, 4 * p, gen);
    const std::vector<uint64_t> w = RandomBelow(n, p, gen);
    const std::vector<uint64_t> add = RandomBelow(n, p, gen);
    std::vector<uint64_t> w_shoup(n);
    for (size_t j = 0; j < n; ++j) w_shoup[j] = ShoupPrecompute(w[j], p);
    std::vector<uint64_t> lazy(n), sum(n);
    internal::MulShoupLazyAvx512(x.data(), w.data(), w_shoup.data(), p, n, lazy.data());
    internal::MulShoupAddAvx512(x.data(), w.data(), w_shoup.data(), p, add.data(), n, sum.data());
    for (size_t j = 0; j < n; ++j) {
      ASSERT_LT(lazy[j], 2 * p) << j << " seed " << seed;
      ASSERT_EQ(lazy[j] % p, MulShoupLazy(x[j], w[j], w_shoup[j], p) % p) << j << " seed " << seed;
      ASSERT_EQ(sum[j], q.Add(q.Mul(x[j] % p, w[j]), add[j])) << j << " seed " << seed;
    }
  }
}

TEST_F(RlweAvx512Test, RnsLiftsMatchScalar) {
  const uint64_t seed = 79;
  std::mt19937_64 gen(seed);
  const size_t n = 64;
  for (int bits : {20, 54, 61}) {
    const uint64_t p = (*GenerateNttPrimes(bits, n, 1))[0];
    const Modulus q = *Modulus::Create(p);
    const auto as_residue = [&](int64_t v) {  // v mod p by division (reference)
      const int64_t r = v % static_cast<int64_t>(p);
      return static_cast<uint64_t>(r < 0 ? r + static_cast<int64_t>(p) : r);
    };
    std::vector<int64_t> small(n), wide(n);
    for (size_t j = 0; j < n; ++j) {
      small[j] = static_cast<int64_t>(gen() % (2 * p - 1)) - static_cast<int64_t>(p - 1);
      wide[j] = static_cast<int64_t>(gen() >> 1) - (int64_t{1} << 62);
    }
    small[0] = -static_cast<int64_t>(p - 1);
    small[1] = static_cast<int64_t>(p - 1);
    wide[0] = -(int64_t{1} << 62);
    wide[1] = int64_t{1} << 62;
    const std::vector<uint64_t> limb = RandomBelow(n, p, gen);
    std::vector<uint64_t> lifted(n), added = limb, widened = limb;
    internal::SmallToRnsAvx512(small.data(), n, p, lifted.data());
    internal::AddSmallAvx512(small.data(), n, p, added.data());
    internal::AddWideAvx512(wide.data(), n, p, q.barrett64(), q.Reduce(uint64_t{1} << 62),
                            widened.data());
    for (size_t j = 0; j < n; ++j) {
      ASSERT_EQ(lifted[j], as_residue(small[j])) << j << " seed " << seed;
      ASSERT_EQ(added[j], q.Add(limb[j], as_residue(small[j]))) << j << " seed " << seed;
      ASSERT_EQ(widened[j], q.Add(limb[j], as_residue(wide[j]))) << j << " seed " << seed;
    }
  }
}

// round(Q m / t) mod p for Q = p0 * p1 (109 bits), computed from Q itself in 128-bit
// arithmetic: delta = floor(Q / t), r = Q mod t, round(Q m / t) = delta m + round(r m / t).
TEST_F(RlweAvx512Test, ScaledPlaintextMatchesDirectRounding) {
  const uint64_t seed = 80;
  std::mt19937_64 gen(seed);
  const size_t n = 4096;
  const auto primes = *GenerateNttPrimes(55, n, 1);
  const uint64_t p0 = primes[0];
  const uint64_t p1 = (*GenerateNttPrimes(54, n, 1))[0];
  const unsigned __int128 big_q = static_cast<unsigned __int128>(p0) * p1;
  for (int k : {1, 16, 31, 32}) {
    const unsigned __int128 t = static_cast<unsigned __int128>(1) << k;
    const uint64_t r = static_cast<uint64_t>(big_q % t);
    const unsigned __int128 delta_full = big_q / t;
    for (uint64_t p : {p0, p1}) {
      const Modulus q = *Modulus::Create(p);
      const uint64_t delta = static_cast<uint64_t>(delta_full % p);
      std::vector<uint32_t> m(64);
      for (auto& v : m) v = static_cast<uint32_t>(gen() & static_cast<uint64_t>(t - 1));
      m[0] = static_cast<uint32_t>(t - 1);
      m[1] = 0;
      const std::vector<uint64_t> limb = RandomBelow(m.size(), p, gen);
      std::vector<uint64_t> out = limb;
      internal::AddScaledPlaintextAvx512(m.data(), m.size(), p, delta, ShoupPrecompute(delta, p), r,
                                         k, out.data());
      for (size_t j = 0; j < m.size(); ++j) {
        const uint64_t rounding =
            static_cast<uint64_t>((static_cast<unsigned __int128>(r) * m[j] + t / 2) >> k);
        const uint64_t expected = q.Add(limb[j], q.Add(q.Mul(delta, m[j] % p), rounding % p));
        ASSERT_EQ(out[j], expected) << "k " << k << " j " << j << " seed " << seed;
      }
    }
  }
}

// The scalar formula of RlweContext::ToFixedPoint (two primes), constants derived here.
TEST_F(RlweAvx512Test, FixedPointMatchesScalarFormula) {
  const uint64_t seed = 82;
  std::mt19937_64 gen(seed);
  const size_t n = 4096;
  const uint64_t p0 = (*GenerateNttPrimes(55, n, 1))[0];
  const uint64_t p1 = (*GenerateNttPrimes(54, n, 1))[0];
  const Modulus q0 = *Modulus::Create(p0), q1 = *Modulus::Create(p1);
  for (int k : {16, 32}) {
    const auto make = [&](const Modulus& q, uint64_t other) {
      const uint64_t c = q.Inverse(q.Reduce(other));
      const unsigned __int128 numerator = static_cast<unsigned __int128>(1) << (64 + k);
      const unsigned __int128 remainder = numerator % q.value();
      return internal::FixedPointPrime{q.value(), c, ShoupPrecompute(c, q.value()),
                                       static_cast<uint64_t>(numerator / q.value()),
                                       static_cast<uint64_t>((remainder << 64) / q.value())};
    };
    const internal::FixedPointPrime f0 = make(q0, p1), f1 = make(q1, p0);
    const uint64_t mask = k == 32 ? ~uint64_t{0} : (uint64_t{1} << (k + 32)) - 1;
    const std::vector<uint64_t> x0 = RandomBelow(64, p0, gen), x1 = RandomBelow(64, p1, gen);
    std::vector<uint64_t> out(64);
    internal::ToFixedPointTwoPrimesAvx512(x0.data(), x1.data(), 64, f0, f1, mask, out.data());
    for (size_t j = 0; j < 64; ++j) {
      using u128 = unsigned __int128;
      const uint64_t y0 = q0.Mul(x0[j], f0.c), y1 = q1.Mul(x1[j], f1.c);
      const u128 s = static_cast<u128>(y0) * f0.w_hi + ((static_cast<u128>(y0) * f0.w_lo) >> 64) +
                     static_cast<u128>(y1) * f1.w_hi + ((static_cast<u128>(y1) * f1.w_lo) >> 64);
      ASSERT_EQ(out[j], static_cast<uint64_t>(s >> 32) & mask) << "k " << k << " j " << j;
    }
  }
}

TEST_F(RlweAvx512Test, SamplerMapsMatchScalarFormulas) {
  const uint64_t seed = 81;
  std::mt19937_64 gen(seed);
  std::vector<uint64_t> words(64);
  for (auto& w : words) w = gen();
  words[0] = 0;
  words[1] = ~uint64_t{0};
  words[2] = uint64_t{1} << 63;
  words[3] = 0x5555555555555555ULL;  // just below 2^64 / 3
  words[4] = 0x5555555555555556ULL;  // just above
  words[5] = 0xaaaaaaaaaaaaaaabULL;  // just above 2 * 2^64 / 3
  std::vector<int64_t> ternary(words.begin(), words.end());
  std::vector<int64_t> binomial(words.begin(), words.end());
  internal::TernaryFromWordsAvx512(ternary.data(), ternary.size());
  internal::CenteredBinomialFromWordsAvx512(binomial.data(), binomial.size());
  for (size_t j = 0; j < words.size(); ++j) {
    const uint64_t r = words[j];
    const int64_t trit = static_cast<int64_t>((static_cast<unsigned __int128>(r) * 3) >> 64) - 1;
    const uint64_t m21 = (uint64_t{1} << 21) - 1;
    const int64_t cbd = std::popcount(r & m21) - std::popcount((r >> 21) & m21);
    ASSERT_EQ(ternary[j], trit) << std::hex << r << " seed " << seed;
    ASSERT_EQ(binomial[j], cbd) << std::hex << r << " seed " << seed;
  }
}

}  // namespace
}  // namespace fedcloak::crypto
