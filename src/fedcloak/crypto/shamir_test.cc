#include "fedcloak/crypto/shamir.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <numeric>
#include <random>

#include "fedcloak/base/prg.h"
#include "fedcloak/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::crypto {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::IsOkAndHolds;
using ::fedcloak::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Hands out queued 64-bit words, then zeros: makes the polynomial coefficients that
// Share draws known, so that shares can be computed by hand.
class QueuedRandom final : public SecureRandom {
 public:
  explicit QueuedRandom(std::initializer_list<uint64_t> words) : words_(words) {}
  void Fill(std::span<uint8_t> out) override {
    for (size_t i = 0; i < out.size(); i += 8) {
      uint64_t w = 0;
      if (!words_.empty()) {
        w = words_.front();
        words_.pop_front();
      }
      std::memcpy(out.data() + i, &w, std::min<size_t>(8, out.size() - i));
    }
  }

 private:
  std::deque<uint64_t> words_;
};

Prg SeededPrg(uint64_t seed) {
  std::array<uint8_t, 32> key{};
  std::memcpy(key.data(), &seed, sizeof(seed));
  return Prg(key, "shamir_test");
}

std::vector<uint64_t> ToVector(const SecretVector<uint64_t>& v) {
  return std::vector<uint64_t>(v.begin(), v.end());
}

TEST(ShamirPrimeTest, KnownPrimesAndComposites) {
  EXPECT_TRUE(IsPrime(2));
  EXPECT_TRUE(IsPrime(13));
  EXPECT_TRUE(IsPrime((uint64_t{1} << 61) - 1));   // Mersenne prime M61
  EXPECT_TRUE(IsPrime((uint64_t{1} << 62) - 57));  // largest prime below 2^62
  EXPECT_TRUE(IsPrime(18446744073709551557ull));   // largest 64-bit prime, 2^64 - 59
  EXPECT_FALSE(IsPrime(1));
  EXPECT_FALSE(IsPrime(561));            // Carmichael number
  EXPECT_FALSE(IsPrime(3215031751ull));  // strong pseudoprime to 2, 3, 5, 7
  EXPECT_FALSE(IsPrime(((uint64_t{1} << 31) - 1) * ((uint64_t{1} << 31) - 1)));
}

TEST(ShamirSchemeTest, CreateRejectsBadParameters) {
  EXPECT_THAT(ShamirScheme::Create(2, 3, 15),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("15 is not prime")));
  EXPECT_THAT(ShamirScheme::Create(2, 3, 2), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ShamirScheme::Create(2, 3, uint64_t{1} << 62),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("2^62")));
  EXPECT_THAT(ShamirScheme::Create(0, 3, 13),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("threshold 0")));
  EXPECT_THAT(ShamirScheme::Create(4, 3, 13),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("threshold 4")));
  EXPECT_THAT(ShamirScheme::Create(2, 13, 13),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("13 parties")));
  EXPECT_THAT(ShamirScheme::Create(2, 12, 13), IsOk());
}

TEST(ShamirSchemeTest, ShareMatchesHandComputedVectorP13) {
  // f(x) = 7 + 5x mod 13 (secret 7, coefficient 5 supplied by QueuedRandom):
  // f(1) = 12, f(2) = 17 mod 13 = 4, f(3) = 22 mod 13 = 9.
  auto scheme = ShamirScheme::Create(2, 3, 13);
  ASSERT_THAT(scheme, IsOk());
  QueuedRandom rng({5});
  const uint64_t secret[] = {7};
  auto shares = scheme->Share(secret, rng);
  ASSERT_THAT(shares, IsOk());
  ASSERT_EQ(shares->size(), 3u);
  EXPECT_THAT(ToVector((*shares)[0]), ElementsAre(12));
  EXPECT_THAT(ToVector((*shares)[1]), ElementsAre(4));
  EXPECT_THAT(ToVector((*shares)[2]), ElementsAre(9));
}

TEST(ShamirSchemeTest, ShareMatchesHandComputedVectorP97) {
  // Element 0: f(x) = 42 + 10x + 3x^2 mod 97 -> 55, 74, 99 mod 97 = 2, 130 mod 97 = 33,
  // 167 mod 97 = 70. Element 1: g(x) = 96 + 1x + 0x^2 -> 97 mod 97 = 0, 1, 2, 3, 4.
  auto scheme = ShamirScheme::Create(3, 5, 97);
  ASSERT_THAT(scheme, IsOk());
  QueuedRandom rng({10, 3, 1, 0});
  const uint64_t secret[] = {42, 96};
  auto shares = scheme->Share(secret, rng);
  ASSERT_THAT(shares, IsOk());
  EXPECT_THAT(ToVector((*shares)[0]), ElementsAre(55, 0));
  EXPECT_THAT(ToVector((*shares)[1]), ElementsAre(74, 1));
  EXPECT_THAT(ToVector((*shares)[2]), ElementsAre(2, 2));
  EXPECT_THAT(ToVector((*shares)[3]), ElementsAre(33, 3));
  EXPECT_THAT(ToVector((*shares)[4]), ElementsAre(70, 4));
}

TEST(ShamirSchemeTest, LagrangeCoefficientsMatchHandComputation) {
  // p = 13, points {1, 2}: l1 = 2 / (2 - 1) = 2, l2 = 1 / (1 - 2) = -1 = 12.
  // points {1, 3}: l1 = 3 / 2 = 3 * 7 = 21 = 8 (2^-1 = 7), l3 = 1 / -2 = -7 = 6.
  auto s13 = ShamirScheme::Create(2, 3, 13);
  ASSERT_THAT(s13, IsOk());
  const uint32_t p12[] = {1, 2};
  const uint32_t p13[] = {1, 3};
  EXPECT_THAT(s13->LagrangeAtZero(1, p12), IsOkAndHolds(2));
  EXPECT_THAT(s13->LagrangeAtZero(2, p12), IsOkAndHolds(12));
  EXPECT_THAT(s13->LagrangeAtZero(1, p13), IsOkAndHolds(8));
  EXPECT_THAT(s13->LagrangeAtZero(3, p13), IsOkAndHolds(6));
  // p = 97, points {2, 4, 5}: l2 = 20 / 6 = 10 * 3^-1 = 10 * 65 = 68,
  // l4 = 10 / ((-2)(1)) = -5 = 92, l5 = 8 / ((-3)(-1)) = 8 * 65 = 520 mod 97 = 35.
  auto s97 = ShamirScheme::Create(3, 5, 97);
  ASSERT_THAT(s97, IsOk());
  const uint32_t p245[] = {2, 4, 5};
  EXPECT_THAT(s97->LagrangeAtZero(2, p245), IsOkAndHolds(68));
  EXPECT_THAT(s97->LagrangeAtZero(4, p245), IsOkAndHolds(92));
  EXPECT_THAT(s97->LagrangeAtZero(5, p245), IsOkAndHolds(35));
  // And they reconstruct the hand-computed shares above: 68*74 + 92*33 + 35*70 = 10518
  // = 108 * 97 + 42.
  const uint64_t s2[] = {74}, s4[] = {33}, s5[] = {70};
  const std::span<const uint64_t> shares[] = {s2, s4, s5};
  auto secret = s97->Reconstruct(p245, shares);
  ASSERT_THAT(secret, IsOk());
  EXPECT_THAT(ToVector(*secret), ElementsAre(42));
}

TEST(ShamirSchemeTest, LagrangeErrors) {
  auto s = ShamirScheme::Create(3, 5, 97);
  ASSERT_THAT(s, IsOk());
  const uint32_t ok[] = {1, 2, 3};
  const uint32_t dup[] = {1, 2, 2};
  const uint32_t zero[] = {0, 1, 2};
  const uint32_t high[] = {1, 2, 6};
  const uint32_t few[] = {1, 2};
  EXPECT_THAT(s->LagrangeAtZero(4, ok),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("point 4 is not in")));
  EXPECT_THAT(s->LagrangeAtZero(1, dup),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("2 appears twice")));
  EXPECT_THAT(s->LagrangeAtZero(1, zero),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("point 0 is outside")));
  EXPECT_THAT(s->LagrangeAtZero(1, high),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("point 6 is outside")));
  EXPECT_THAT(s->LagrangeAtZero(1, few),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("threshold 3")));
}

TEST(ShamirSchemeTest, ShareAndReconstructErrors) {
  auto s = ShamirScheme::Create(2, 3, 13);
  ASSERT_THAT(s, IsOk());
  Prg rng = SeededPrg(1);
  const uint64_t too_big[] = {3, 13};
  EXPECT_THAT(s->Share(too_big, rng), StatusIs(absl::StatusCode::kInvalidArgument));
  const uint32_t points[] = {1, 2};
  const uint64_t a[] = {1, 2}, b[] = {3}, c[] = {13};
  const std::span<const uint64_t> unequal[] = {a, b};
  EXPECT_THAT(s->Reconstruct(points, unequal),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("has 1 elements")));
  const std::span<const uint64_t> one[] = {b};
  EXPECT_THAT(s->Reconstruct(points, one),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("2 Shamir evaluation")));
  const std::span<const uint64_t> out_of_range[] = {b, c};
  EXPECT_THAT(s->Reconstruct(points, out_of_range),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("below the prime")));
  const uint32_t one_point[] = {1};
  EXPECT_THAT(s->Reconstruct(one_point, one), StatusIs(absl::StatusCode::kFailedPrecondition));
  // Byte sharing needs a prime above 2^56.
  const uint8_t bytes[] = {1, 2, 3};
  EXPECT_THAT(s->ShareBytes(bytes, rng), StatusIs(absl::StatusCode::kFailedPrecondition));
}

struct ShamirCase {
  uint32_t threshold;
  uint32_t parties;
  uint64_t prime;
};

class ShamirPropertyTest : public ::testing::TestWithParam<ShamirCase> {};

TEST_P(ShamirPropertyTest, AnyThresholdSubsetReconstructsAndFewerDoNot) {
  const ShamirCase c = GetParam();
  const uint64_t seed = 1000 + c.threshold * 31 + c.parties;
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  auto scheme = ShamirScheme::Create(c.threshold, c.parties, c.prime);
  ASSERT_THAT(scheme, IsOk());
  Prg rng = SeededPrg(seed);
  std::vector<uint64_t> secret(17);
  for (auto& v : secret) v = rng.UniformBelow(c.prime);
  secret[0] = 0;
  secret[1] = c.prime - 1;
  auto shares = scheme->Share(secret, rng);
  ASSERT_THAT(shares, IsOk());
  std::mt19937_64 pick(seed);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<uint32_t> all(c.parties);
    std::iota(all.begin(), all.end(), 1u);
    std::shuffle(all.begin(), all.end(), pick);
    const size_t k = c.threshold + pick() % (c.parties - c.threshold + 1);
    std::vector<uint32_t> points(all.begin(), all.begin() + static_cast<ptrdiff_t>(k));
    std::vector<std::span<const uint64_t>> views;
    for (uint32_t x : points) views.push_back((*shares)[x - 1].span());
    auto got = scheme->Reconstruct(points, views);
    ASSERT_THAT(got, IsOk());
    EXPECT_EQ(ToVector(*got), secret) << "points " << ::testing::PrintToString(points);
  }
  // t - 1 shares: interpolating them (as a (t-1)-threshold scheme would) yields values
  // unrelated to the secret; all 17 coincide only with probability ~p^-17.
  if (c.threshold >= 2) {
    auto lower = ShamirScheme::Create(c.threshold - 1, c.parties, c.prime);
    ASSERT_THAT(lower, IsOk());
    std::vector<uint32_t> points;
    std::vector<std::span<const uint64_t>> views;
    for (uint32_t x = 1; x < c.threshold; ++x) {
      points.push_back(x);
      views.push_back((*shares)[x - 1].span());
    }
    auto got = lower->Reconstruct(points, views);
    ASSERT_THAT(got, IsOk());
    EXPECT_NE(ToVector(*got), secret);
    EXPECT_THAT(scheme->Reconstruct(points, views),
                StatusIs(absl::StatusCode::kFailedPrecondition));
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, ShamirPropertyTest,
                         ::testing::Values(ShamirCase{/*threshold=*/1, /*parties=*/1, /*prime=*/13},
                                           ShamirCase{/*threshold=*/2, /*parties=*/3, /*prime=*/13},
                                           ShamirCase{/*threshold=*/3, /*parties=*/5,
                                                      /*prime=*/65537},
                                           ShamirCase{/*threshold=*/7, /*parties=*/10,
                                                      /*prime=*/ShamirScheme::kMersenne61},
                                           ShamirCase{/*threshold=*/14, /*parties=*/20,
                                                      /*prime=*/(uint64_t{1} << 62) - 57},
                                           ShamirCase{/*threshold=*/50, /*parties=*/100,
                                                      /*prime=*/0xffffffffffc0001ull}));

TEST(ShamirBytesTest, RoundTripAndCorruption) {
  auto scheme = ShamirScheme::Create(3, 5, ShamirScheme::kMersenne61);
  ASSERT_THAT(scheme, IsOk());
  Prg rng = SeededPrg(7);
  for (size_t length : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{32}}) {
    SecretBytes secret(length);
    // Prg::Fill of an empty span calls memset(nullptr, 0, 0), which UBSan flags (base).
    if (length > 0) rng.Fill(secret.span());
    auto shares = scheme->ShareBytes(secret.span(), rng);
    ASSERT_THAT(shares, IsOk());
    ASSERT_EQ((*shares)[0].size(), (length + 6) / 7);
    const uint32_t points[] = {5, 1, 3};
    std::vector<std::span<const uint64_t>> views = {(*shares)[4].span(), (*shares)[0].span(),
                                                    (*shares)[2].span()};
    auto got = scheme->ReconstructBytes(points, views, length);
    ASSERT_THAT(got, IsOk());
    EXPECT_TRUE(got->Equals(secret)) << "length " << length;
    EXPECT_THAT(scheme->ReconstructBytes(points, views, length + 7),
                StatusIs(absl::StatusCode::kInvalidArgument));
    if (length == 32) {
      SecretVector<uint64_t> bad = (*shares)[0].Clone();
      // Every element altered: the last one (4 bytes used) must then exceed 2^32, which
      // a uniformly wrong value in Z_p fails to do only with probability 2^-29.
      for (auto& e : bad) e ^= 1;
      views[1] = bad.span();
      EXPECT_THAT(scheme->ReconstructBytes(points, views, length),
                  StatusIs(absl::StatusCode::kDataLoss));
    }
  }
}

}  // namespace
}  // namespace fedcloak::crypto
