// Tests of the modular arithmetic and the negacyclic NTT. Independent references:
// Microsoft SEAL's published test values, naive evaluation at the roots, and NTL's
// polynomial arithmetic (ZZ_pX) for negacyclic products.
#include "fedcloak/crypto/rlwe/ntt.h"

#include <NTL/ZZ_pX.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "fedcloak/base/status_matchers.h"
#include "fedcloak/crypto/rlwe/modulus.h"

namespace fedcloak::crypto {
namespace {

using ::fedcloak::testing::StatusIs;

TEST(RlweModulusTest, ReductionsMatchDivision) {
  const uint64_t seed = 7;
  std::mt19937_64 gen(seed);
  for (uint64_t p : {0xffffffffffc0001ULL, 36028797018652673ULL, 1099511480321ULL}) {
    auto q = Modulus::Create(p);
    ASSERT_TRUE(q.ok()) << q.status();
    for (int i = 0; i < 20000; ++i) {
      const uint64_t a = gen() % p, b = gen() % p, x = gen();
      const uint128_t product = static_cast<uint128_t>(a) * b;
      ASSERT_EQ(q->Mul(a, b), static_cast<uint64_t>(product % p)) << "seed " << seed;
      ASSERT_EQ(q->Reduce(x), x % p) << "seed " << seed;
      ASSERT_EQ(q->ShoupFactor(a), ShoupPrecompute(a, p)) << "seed " << seed;
      const uint64_t lazy = MulShoupLazy(x, a, ShoupPrecompute(a, p), p);
      ASSERT_LT(lazy, 2 * p);
      ASSERT_EQ(lazy % p, static_cast<uint64_t>(static_cast<uint128_t>(x) * a % p));
    }
  }
}

TEST(RlweModulusTest, RejectsCompositeAndOutOfRange) {
  EXPECT_THAT(Modulus::Create(1000000000000000001ULL).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Modulus::Create(2).status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Modulus::Create((uint64_t{1} << 61) + 1).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Known primes / composites (2^61 - 1 is a Mersenne prime; 2^32 + 1 = 641 * 6700417).
  EXPECT_TRUE(IsPrime64((uint64_t{1} << 61) - 1));
  EXPECT_FALSE(IsPrime64((uint64_t{1} << 32) + 1));
  EXPECT_TRUE(IsPrime64(0xffffffffffc0001ULL));
}

TEST(RlweModulusTest, GeneratedPrimesAreNttFriendlyAndDescending) {
  auto primes = GenerateNttPrimes(55, 4096, 3);
  ASSERT_TRUE(primes.ok());
  for (size_t i = 0; i < primes->size(); ++i) {
    EXPECT_TRUE(IsPrime64((*primes)[i]));
    EXPECT_EQ((*primes)[i] % 8192, 1u);
    EXPECT_EQ(std::bit_width((*primes)[i]), 55);
    if (i > 0) {
      EXPECT_LT((*primes)[i], (*primes)[i - 1]);
    }
  }
  EXPECT_THAT(GenerateNttPrimes(62, 4096, 1).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// SEAL 4.x native/tests/seal/util/ntt.cpp, NTTTablesTest.NegacyclicNTTTest: q =
// 0xffffffffffc0001, n = 2 (coeff_count_power 1): NTT([0,0]) = [0,0], NTT([1,0]) =
// [1,1], NTT([1,1]) = [288794978602139553, 864126526004445282]. For n = 2 the output is
// [a0 + psi a1, a0 - psi a1], so this also pins psi = 288794978602139552, SEAL's
// minimal primitive 4th root; our convention is identical (MinimalPrimitiveRoot).
TEST(RlweNttTest, SealKnownAnswer) {
  auto q = Modulus::Create(0xffffffffffc0001ULL);
  ASSERT_TRUE(q.ok());
  auto tables = NttTables::Create(2, *q);
  ASSERT_TRUE(tables.ok()) << tables.status();
  EXPECT_EQ(tables->psi(), 288794978602139552ULL);
  std::vector<uint64_t> poly = {0, 0};
  tables->Forward(poly.data());
  EXPECT_EQ(poly, (std::vector<uint64_t>{0, 0}));
  poly = {1, 0};
  tables->Forward(poly.data());
  EXPECT_EQ(poly, (std::vector<uint64_t>{1, 1}));
  poly = {1, 1};
  tables->Forward(poly.data());
  EXPECT_EQ(poly, (std::vector<uint64_t>{288794978602139553ULL, 864126526004445282ULL}));
  tables->Inverse(poly.data());
  EXPECT_EQ(poly, (std::vector<uint64_t>{1, 1}));
}

size_t BitReverse(size_t x, int bits) {
  size_t r = 0;
  for (int i = 0; i < bits; ++i) r |= ((x >> i) & 1) << (bits - 1 - i);
  return r;
}

// Position j of the transform is the evaluation at psi^(2 bitrev(j) + 1) (naive Horner).
TEST(RlweNttTest, MatchesNaiveEvaluation) {
  const uint64_t seed = 11;
  std::mt19937_64 gen(seed);
  for (size_t n : {4u, 16u, 64u}) {
    const uint64_t p = (*GenerateNttPrimes(50, n, 1))[0];
    const Modulus q = *Modulus::Create(p);
    const NttTables tables = *NttTables::Create(n, q);
    std::vector<uint64_t> poly(n);
    for (auto& c : poly) c = gen() % p;
    std::vector<uint64_t> transformed = poly;
    tables.Forward(transformed.data());
    const int bits = std::countr_zero(n);
    for (size_t j = 0; j < n; ++j) {
      const uint64_t x = q.Pow(tables.psi(), 2 * BitReverse(j, bits) + 1);
      uint64_t value = 0;
      for (size_t i = n; i-- > 0;) value = q.Add(q.Mul(value, x), poly[i]);
      ASSERT_EQ(transformed[j], value) << "n " << n << " j " << j << " seed " << seed;
    }
  }
}

struct NttCase {
  size_t n;
  int prime_bits;
};

class RlweNttNtlTest : public ::testing::TestWithParam<NttCase> {};

// Negacyclic product via NTT versus NTL's ZZ_pX product reduced mod X^n + 1, and the
// round trip, for every supported ring degree and the prime sizes the parameters use.
TEST_P(RlweNttNtlTest, NegacyclicProductMatchesNtl) {
  const NttCase c = GetParam();
  const uint64_t seed = 1000 + c.n + static_cast<uint64_t>(c.prime_bits);
  std::mt19937_64 gen(seed);
  const uint64_t p = (*GenerateNttPrimes(c.prime_bits, c.n, 1))[0];
  const Modulus q = *Modulus::Create(p);
  const NttTables tables = *NttTables::Create(c.n, q);
  std::vector<uint64_t> a(c.n), b(c.n);
  for (size_t i = 0; i < c.n; ++i) {
    a[i] = gen() % p;
    b[i] = gen() % p;
  }
  // Round trip.
  std::vector<uint64_t> round_trip = a;
  tables.ForwardLazy(round_trip.data());
  for (auto& v : round_trip) v %= p;
  tables.Inverse(round_trip.data());
  ASSERT_EQ(round_trip, a) << "seed " << seed;

  std::vector<uint64_t> fa = a, fb = b;
  tables.Forward(fa.data());
  tables.Forward(fb.data());
  for (size_t i = 0; i < c.n; ++i) fa[i] = q.Mul(fa[i], fb[i]);
  tables.Inverse(fa.data());

  NTL::ZZ_p::init(NTL::conv<NTL::ZZ>(std::to_string(p).c_str()));
  NTL::ZZ_pX pa, pb, modulus;
  for (size_t i = 0; i < c.n; ++i) {
    NTL::SetCoeff(pa, static_cast<long>(i),
                  NTL::conv<NTL::ZZ_p>(NTL::conv<NTL::ZZ>(std::to_string(a[i]).c_str())));
    NTL::SetCoeff(pb, static_cast<long>(i),
                  NTL::conv<NTL::ZZ_p>(NTL::conv<NTL::ZZ>(std::to_string(b[i]).c_str())));
  }
  NTL::SetCoeff(modulus, static_cast<long>(c.n), 1);
  NTL::SetCoeff(modulus, 0, 1);
  const NTL::ZZ_pX product = (pa * pb) % modulus;
  for (size_t i = 0; i < c.n; ++i) {
    const NTL::ZZ expected = NTL::rep(NTL::coeff(product, static_cast<long>(i)));
    ASSERT_EQ(NTL::conv<NTL::ZZ>(std::to_string(fa[i]).c_str()), expected)
        << "n " << c.n << " prime " << p << " index " << i << " seed " << seed;
  }
}

INSTANTIATE_TEST_SUITE_P(AllDegrees, RlweNttNtlTest,
                         ::testing::Values(NttCase{/*n=*/1024, /*prime_bits=*/27},
                                           NttCase{/*n=*/2048, /*prime_bits=*/54},
                                           NttCase{/*n=*/4096, /*prime_bits=*/55},
                                           NttCase{/*n=*/4096, /*prime_bits=*/54},
                                           NttCase{/*n=*/8192, /*prime_bits=*/55},
                                           NttCase{/*n=*/8192, /*prime_bits=*/54},
                                           NttCase{/*n=*/16384, /*prime_bits=*/61},
                                           NttCase{/*n=*/32768, /*prime_bits=*/60}),
                         [](const ::testing::TestParamInfo<NttCase>& param_info) {
                           return fmt::format("N{}_bits{}", param_info.param.n,
                                              param_info.param.prime_bits);
                         });

TEST(RlweNttTest, RejectsBadSizes) {
  const Modulus q = *Modulus::Create(0xffffffffffc0001ULL);
  EXPECT_THAT(NttTables::Create(3, q).status(), StatusIs(absl::StatusCode::kInvalidArgument));
  // 2^61 - 2 = 2 * odd: no 8192-th roots of unity.
  const Modulus mersenne = *Modulus::Create((uint64_t{1} << 61) - 1);
  EXPECT_THAT(NttTables::Create(4096, mersenne).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace fedcloak::crypto
