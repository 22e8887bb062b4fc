#include "fedcloak/secagg/parameters.h"

#include <cmath>
#include <set>

#include "fedcloak/base/status_matchers.h"
#include "fedcloak/secagg/neighbour_graph.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::secagg {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::HasSubstr;

TEST(SecAggParametersTest, CreateValidates) {
  EXPECT_THAT(SecAggParameters::Create(100, 12, 7, 1000), IsOk());
  EXPECT_THAT(SecAggParameters::Create(3, 2, 2, 1), IsOk());  // complete graph
  EXPECT_THAT(SecAggParameters::Create(1, 0, 1, 1),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("got 1")));
  EXPECT_THAT(SecAggParameters::Create(100, 11, 7, 1000),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("even")));
  EXPECT_THAT(SecAggParameters::Create(100, 100, 60, 1000),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("even")));
  // t must exceed half of the k + 1 = 13 holders.
  EXPECT_THAT(SecAggParameters::Create(100, 12, 6, 1000),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("threshold 6")));
  EXPECT_THAT(SecAggParameters::Create(100, 12, 14, 1000),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("threshold 14")));
  EXPECT_THAT(SecAggParameters::Create(100, 12, 7, 0),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("vector length 0")));
  EXPECT_THAT(SecAggParameters::Create(100, 12, 7, kMaxVectorLength + 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(SecAggParametersTest, ParameterIdSeparatesFields) {
  auto a = SecAggParameters::Create(100, 12, 7, 1000);
  auto b = SecAggParameters::Create(100, 12, 8, 1000);
  auto c = SecAggParameters::Create(100, 12, 7, 1001);
  ASSERT_THAT(a, IsOk());
  EXPECT_NE(a->parameter_id(), b->parameter_id());
  EXPECT_NE(a->parameter_id(), c->parameter_id());
  EXPECT_EQ(a->parameter_id(), SecAggParameters::Create(100, 12, 7, 1000)->parameter_id());
  EXPECT_EQ(a->ToString(), "SecAgg+(sites=100, neighbours=12, threshold=7, vector_length=1000)");
}

TEST(SecAggParametersTest, HypergeometricTailMatchesHandComputation) {
  // HG(N = 10, K = 3, draws 4): P[X >= 2] = (C(3,2) C(7,2) + C(3,3) C(7,1)) / C(10,4)
  // = (3 * 21 + 7) / 210 = 1/3; P[X >= 3] = 7 / 210; P[X >= 4] = 0; P[X >= 0] = 1.
  EXPECT_NEAR(std::exp(internal::LogHypergeometricTail(10, 3, 4, 2)), 1.0 / 3, 1e-12);
  EXPECT_NEAR(std::exp(internal::LogHypergeometricTail(10, 3, 4, 3)), 7.0 / 210, 1e-12);
  EXPECT_EQ(std::exp(internal::LogHypergeometricTail(10, 3, 4, 4)), 0.0);
  EXPECT_EQ(internal::LogHypergeometricTail(10, 3, 4, 0), 0.0);
}

struct DeriveCase {
  uint32_t n;
  double adversarial;
  double dropout;
  uint32_t k;
  uint32_t t;
};

class SecAggDeriveTest : public ::testing::TestWithParam<DeriveCase> {};

// Expected values were computed independently with a 30-line Python script using exact
// integer binomials (math.comb) for the same conditions (doc/secagg_protocol.md).
TEST_P(SecAggDeriveTest, MatchesIndependentComputation) {
  const DeriveCase c = GetParam();
  auto params = SecAggParameters::Derive(c.n, 10, ThreatModel{c.adversarial, c.dropout});
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(params->neighbours(), c.k);
  EXPECT_EQ(params->threshold(), c.t);
}

INSTANTIATE_TEST_SUITE_P(
    Table, SecAggDeriveTest,
    ::testing::Values(
        DeriveCase{/*n=*/3, /*adversarial=*/0.05, /*dropout=*/0.05, /*k=*/2, /*t=*/3},
        DeriveCase{/*n=*/5, /*adversarial=*/0.05, /*dropout=*/0.05, /*k=*/4, /*t=*/4},
        DeriveCase{/*n=*/10, /*adversarial=*/0.05, /*dropout=*/0.05, /*k=*/6, /*t=*/5},
        DeriveCase{/*n=*/20, /*adversarial=*/0.05, /*dropout=*/0.05, /*k=*/6, /*t=*/5},
        DeriveCase{/*n=*/50, /*adversarial=*/0.05, /*dropout=*/0.05, /*k=*/12, /*t=*/9},
        DeriveCase{/*n=*/100, /*adversarial=*/0.05, /*dropout=*/0.05, /*k=*/18, /*t=*/13},
        DeriveCase{/*n=*/200, /*adversarial=*/0.05, /*dropout=*/0.05, /*k=*/30, /*t=*/21},
        DeriveCase{/*n=*/1000, /*adversarial=*/0.05, /*dropout=*/0.05, /*k=*/52, /*t=*/37},
        DeriveCase{/*n=*/100, /*adversarial=*/0.0, /*dropout=*/0.05, /*k=*/12, /*t=*/7},
        DeriveCase{/*n=*/100, /*adversarial=*/0.0, /*dropout=*/0.1, /*k=*/22, /*t=*/12},
        DeriveCase{/*n=*/5, /*adversarial=*/1.0 / 3, /*dropout=*/0.05, /*k=*/4, /*t=*/4}));

TEST(SecAggParametersTest, DeriveRejectsInfeasibleThreatModels) {
  EXPECT_THAT(SecAggParameters::Derive(100, 10, ThreatModel{0.5, 0.3}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("0.9")));
  EXPECT_THAT(SecAggParameters::Derive(100, 10, ThreatModel{-0.1, 0.0}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

SessionId Session(uint8_t fill) {
  SessionId s;
  s.bytes.fill(fill);
  return s;
}

TEST(NeighbourGraphTest, HararyGraphIsRegularSymmetricAndSessionDependent) {
  std::vector<uint32_t> sites;
  for (uint32_t i = 1; i <= 50; ++i) {
    if (i % 7 != 0) sites.push_back(i);  // some sites never advertised
  }
  const NeighbourGraph g(sites, 8, 50, Session(1));
  std::set<uint32_t> in_graph(sites.begin(), sites.end());
  for (uint32_t u : sites) {
    const auto n = g.Neighbours(u);
    EXPECT_EQ(n.size(), 8u) << u;
    for (uint32_t v : n) {
      EXPECT_NE(u, v);
      EXPECT_TRUE(in_graph.contains(v));
      EXPECT_TRUE(g.AreNeighbours(v, u)) << u << " " << v;
    }
  }
  EXPECT_TRUE(g.Neighbours(7).empty());
  EXPECT_TRUE(g.Neighbours(1000).empty());
  // Ring neighbours: position p is joined to p +- 1..4.
  const auto ring = g.ring();
  EXPECT_TRUE(g.AreNeighbours(ring[0], ring[4]));
  EXPECT_FALSE(g.AreNeighbours(ring[0], ring[5]));
  EXPECT_TRUE(g.AreNeighbours(ring[0], ring[ring.size() - 4]));
  // Same session, same graph; another session, another permutation.
  const NeighbourGraph same(sites, 8, 50, Session(1));
  const NeighbourGraph other(sites, 8, 50, Session(2));
  EXPECT_TRUE(std::equal(ring.begin(), ring.end(), same.ring().begin()));
  EXPECT_FALSE(std::equal(ring.begin(), ring.end(), other.ring().begin()));
}

TEST(NeighbourGraphTest, SmallSetsAreComplete) {
  const std::vector<uint32_t> sites = {2, 3, 5};
  const NeighbourGraph g(sites, 8, 10, Session(3));
  EXPECT_THAT(std::vector<uint32_t>(g.Neighbours(2).begin(), g.Neighbours(2).end()),
              ::testing::ElementsAre(3, 5));
  EXPECT_THAT(std::vector<uint32_t>(g.Neighbours(5).begin(), g.Neighbours(5).end()),
              ::testing::ElementsAre(2, 3));
}

}  // namespace
}  // namespace fedcloak::secagg
