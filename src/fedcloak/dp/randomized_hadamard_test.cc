#include "fedcloak/dp/randomized_hadamard.h"

#include <array>
#include <cmath>
#include <random>
#include <vector>

#include "fedcloak/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::dp {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;

std::array<uint8_t, 32> Seed(uint8_t tag) {
  std::array<uint8_t, 32> s{};
  s[0] = tag;
  return s;
}

double Norm(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

TEST(DpRandomizedHadamardTest, WalshHadamardKnownAnswer) {
  // H_4 (Sylvester) times (1, 2, 3, 4): rows ++++, +-+-, ++--, +--+.
  std::vector<double> v = {1, 2, 3, 4};
  WalshHadamardTransform(v);
  EXPECT_EQ(v, (std::vector<double>{10, -2, -4, 0}));
}

TEST(DpRandomizedHadamardTest, PadsToPowerOfTwo) {
  for (auto [d, p] : std::vector<std::pair<uint64_t, uint64_t>>{
           {1, 1}, {2, 2}, {3, 4}, {1000, 1024}, {1024, 1024}, {1025, 2048}}) {
    auto r = RandomizedHadamard::Create(d, Seed(1));
    ASSERT_THAT(r, IsOk());
    EXPECT_EQ(r->padded_dimension(), p) << d;
  }
  EXPECT_THAT(RandomizedHadamard::Create(0, Seed(1)), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RandomizedHadamard::Create((uint64_t{1} << 30) + 1, Seed(1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(DpRandomizedHadamardTest, InverseUndoesForwardAndNormIsKept) {
  const uint32_t seed = 42;
  SCOPED_TRACE(seed);
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> normal(0, 3);
  for (uint64_t d : {1u, 5u, 1000u, 4096u}) {
    auto r = RandomizedHadamard::Create(d, Seed(9));
    ASSERT_THAT(r, IsOk());
    std::vector<double> x(r->padded_dimension(), 0.0);
    for (uint64_t i = 0; i < d; ++i) x[i] = normal(gen);
    std::vector<double> y = x;
    ASSERT_THAT(r->Forward(y), IsOk());
    EXPECT_NEAR(Norm(y), Norm(x), 1e-9 * Norm(x));
    ASSERT_THAT(r->Inverse(y), IsOk());
    for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(y[i], x[i], 1e-9) << i;
  }
}

TEST(DpRandomizedHadamardTest, SeedDeterminesRotationAndSpreadsMass) {
  auto a = RandomizedHadamard::Create(1024, Seed(1));
  auto b = RandomizedHadamard::Create(1024, Seed(1));
  auto c = RandomizedHadamard::Create(1024, Seed(2));
  ASSERT_THAT(a, IsOk());
  std::vector<double> e(1024, 0.0);
  e[3] = 1.0;  // a spike becomes flat: every coordinate +-1/32
  std::vector<double> ya = e, yb = e, yc = e;
  ASSERT_THAT(a->Forward(ya), IsOk());
  ASSERT_THAT(b->Forward(yb), IsOk());
  ASSERT_THAT(c->Forward(yc), IsOk());
  EXPECT_EQ(ya, yb);
  EXPECT_NE(ya, yc);
  for (double v : ya) EXPECT_NEAR(std::abs(v), 1.0 / 32, 1e-15);
}

TEST(DpRandomizedHadamardTest, WrongSizeIsRejected) {
  auto r = RandomizedHadamard::Create(1000, Seed(1));
  ASSERT_THAT(r, IsOk());
  std::vector<double> v(1000);
  EXPECT_THAT(r->Forward(v), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(r->Inverse(v), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace fedcloak::dp
