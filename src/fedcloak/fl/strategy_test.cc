// FedAvg, FedProx, FedAvgM and the shared checks of Strategy::Apply. Expected values are
// worked out by hand in the comments.
#include "fedcloak/fl/strategy.h"

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "fedcloak/base/check.h"
#include "fedcloak/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::fl {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::FloatNear;
using ::testing::HasSubstr;
using ::testing::Pair;

std::unique_ptr<Strategy> Make(StrategyConfig config) {
  auto s = CreateStrategy(config);
  FEDCLOAK_CHECK(s.ok(), "CreateStrategy failed");
  return *std::move(s);
}

std::unique_ptr<Strategy> MakeDefault(StrategyKind kind) {
  return Make(StrategyConfig::Defaults(kind));
}

AggregatedUpdate Update(std::vector<double> mean, uint64_t weight = 4, uint32_t sites = 2) {
  return AggregatedUpdate{std::move(mean), weight, sites};
}

TEST(FlStrategyTest, FedAvgTwoSitesHandComputed) {
  // global = [1, -2]; site A: local [2, -1], 1 example; site B: local [0, 0], 3 examples.
  // deltas: A = [1, 1], B = [-1, 2]; mean = (1*[1, 1] + 3*[-1, 2]) / 4 = [-0.5, 1.75].
  // eta = 1: new = [1 - 0.5, -2 + 1.75] = [0.5, -0.25], which is also the weighted
  // average of the local models (1*[2, -1] + 3*[0, 0]) / 4.
  auto s = MakeDefault(StrategyKind::kFedAvg);
  const std::vector<float> global = {1.0f, -2.0f};
  auto out = s->Apply(global, Update({-0.5, 1.75}));
  ASSERT_THAT(out, IsOk());
  EXPECT_THAT(*out, ElementsAre(0.5f, -0.25f));
  EXPECT_EQ(s->steps(), 1u);
  EXPECT_EQ(s->name(), "fedavg");
  EXPECT_TRUE(s->client_hints().empty());
}

TEST(FlStrategyTest, FedAvgServerLearningRate) {
  // eta = 0.5: new = [1 + 0.5 * -0.5, -2 + 0.5 * 1.75] = [0.75, -1.125].
  StrategyConfig c = StrategyConfig::Defaults(StrategyKind::kFedAvg);
  c.server_lr = 0.5;
  auto s = Make(c);
  auto out = s->Apply(std::vector<float>{1.0f, -2.0f}, Update({-0.5, 1.75}));
  ASSERT_THAT(out, IsOk());
  EXPECT_THAT(*out, ElementsAre(0.75f, -1.125f));
}

// Property: FedAvg with eta = 1 applied to sum_k w_k (x_k - g) / sum_k w_k gives the
// weighted average of the local models x_k, up to float rounding.
TEST(FlStrategyTest, FedAvgEtaOneIsWeightedAverageOfLocalModels) {
  const uint32_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> value(-3.0f, 3.0f);
  std::uniform_int_distribution<uint64_t> weight(1, 5000);
  for (int trial = 0; trial < 20; ++trial) {
    const size_t n = 1 + rng() % 64;
    const size_t sites = 2 + rng() % 9;
    std::vector<float> global(n);
    for (float& g : global) g = value(rng);
    std::vector<double> sum_delta(n, 0.0), sum_local(n, 0.0);
    uint64_t total = 0;
    for (size_t k = 0; k < sites; ++k) {
      const uint64_t w = weight(rng);
      total += w;
      for (size_t i = 0; i < n; ++i) {
        const float local = value(rng);
        sum_delta[i] += static_cast<double>(w) * (double{local} - double{global[i]});
        sum_local[i] += static_cast<double>(w) * local;
      }
    }
    for (double& d : sum_delta) d /= static_cast<double>(total);
    auto s = MakeDefault(StrategyKind::kFedAvg);
    auto out = s->Apply(global, Update(sum_delta, total, static_cast<uint32_t>(sites)));
    ASSERT_THAT(out, IsOk());
    for (size_t i = 0; i < n; ++i) {
      const double expected = sum_local[i] / static_cast<double>(total);
      EXPECT_NEAR((*out)[i], expected, 4e-7 * 3.0) << "trial " << trial << " index " << i;
    }
  }
}

TEST(FlStrategyTest, FedProxIsFedAvgWithMuHint) {
  StrategyConfig c = StrategyConfig::Defaults(StrategyKind::kFedProx);
  c.mu = 0.1;
  auto s = Make(c);
  EXPECT_EQ(s->name(), "fedprox");
  EXPECT_THAT(s->client_hints(), ElementsAre(Pair("proximal_mu", 0.1)));
  // Same server step as FedAvg: [1, -2] + [-0.5, 1.75] = [0.5, -0.25].
  auto out = s->Apply(std::vector<float>{1.0f, -2.0f}, Update({-0.5, 1.75}));
  ASSERT_THAT(out, IsOk());
  EXPECT_THAT(*out, ElementsAre(0.5f, -0.25f));
}

TEST(FlStrategyTest, FedAvgMMomentumHandComputed) {
  // beta = 0.9, eta = 1, x0 = [0, 0].
  // round 1: Delta = [1, -2]; m = 0.9*0 + Delta = [1, -2]; x1 = [1, -2].
  // round 2: Delta = [0.5, 0.5]; m = 0.9*[1, -2] + [0.5, 0.5] = [1.4, -1.3];
  //          x2 = [1 + 1.4, -2 - 1.3] = [2.4, -3.3].
  auto s = MakeDefault(StrategyKind::kFedAvgM);
  ASSERT_EQ(s->config().server_momentum, 0.9);
  auto x1 = s->Apply(std::vector<float>{0.0f, 0.0f}, Update({1.0, -2.0}));
  ASSERT_THAT(x1, IsOk());
  EXPECT_THAT(*x1, ElementsAre(1.0f, -2.0f));
  auto x2 = s->Apply(*x1, Update({0.5, 0.5}));
  ASSERT_THAT(x2, IsOk());
  EXPECT_THAT(*x2, ElementsAre(FloatNear(2.4f, 1e-6f), FloatNear(-3.3f, 1e-6f)));
  EXPECT_EQ(s->steps(), 2u);
}

TEST(FlStrategyTest, ApplyRejectsBadInput) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  auto s = MakeDefault(StrategyKind::kFedAvgM);
  const std::vector<float> g = {1.0f, 2.0f};
  EXPECT_THAT(s->Apply(g, Update({1.0})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1 values")));
  EXPECT_THAT(s->Apply(std::vector<float>{}, Update({})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no parameters")));
  EXPECT_THAT(s->Apply(std::vector<float>{1.0f, nan}, Update({0.0, 0.0})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("global parameter 1")));
  EXPECT_THAT(s->Apply(g, Update({inf, 0.0})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mean update value 0")));
  EXPECT_THAT(s->Apply(g, Update({0.0, 0.0}, /*weight=*/0)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty aggregate")));
  EXPECT_THAT(s->Apply(g, Update({0.0, 0.0}, 4, /*sites=*/0)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty aggregate")));
  EXPECT_EQ(s->steps(), 0u);

  ASSERT_THAT(s->Apply(g, Update({0.0, 0.0})), IsOk());
  EXPECT_THAT(s->Apply(std::vector<float>{1.0f, 2.0f, 3.0f}, Update({0.0, 0.0, 0.0})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("built for 2")));
}

TEST(FlStrategyTest, OverflowIsRejectedAndStateUnchanged) {
  // 3e38 + 1e38 exceeds FLT_MAX (3.4e38): the step fails and the momentum stays as it was.
  auto s = MakeDefault(StrategyKind::kFedAvgM);
  ASSERT_THAT(s->Apply(std::vector<float>{0.0f}, Update({1.0})), IsOk());  // m = [1]
  EXPECT_THAT(s->Apply(std::vector<float>{3e38f}, Update({1e38})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("non-finite")));
  EXPECT_EQ(s->steps(), 1u);
  // m = 0.9 * 1 + 1 = 1.9, as if the failed call never happened.
  auto out = s->Apply(std::vector<float>{0.0f}, Update({1.0}));
  ASSERT_THAT(out, IsOk());
  EXPECT_THAT(*out, ElementsAre(FloatNear(1.9f, 1e-6f)));
}

TEST(FlStrategyTest, DefaultsAreDocumentedValues) {
  using K = StrategyKind;
  EXPECT_EQ(StrategyConfig::Defaults(K::kFedAvg).server_lr, 1.0);
  EXPECT_EQ(StrategyConfig::Defaults(K::kFedProx).mu, 0.01);
  const StrategyConfig adam = StrategyConfig::Defaults(K::kFedAdam);
  EXPECT_EQ(adam.server_lr, 0.1);
  EXPECT_EQ(adam.beta1, 0.9);
  EXPECT_EQ(adam.beta2, 0.99);
  EXPECT_EQ(adam.tau, 1e-9);
  const StrategyConfig yogi = StrategyConfig::Defaults(K::kFedYogi);
  EXPECT_EQ(yogi.server_lr, 0.01);
  EXPECT_EQ(yogi.tau, 1e-3);
  const StrategyConfig adagrad = StrategyConfig::Defaults(K::kFedAdagrad);
  EXPECT_EQ(adagrad.beta1, 0.0);
  EXPECT_EQ(adagrad.beta2, 0.0);
  for (K k : {K::kFedAvg, K::kFedAvgM, K::kFedProx, K::kFedAdam, K::kFedYogi, K::kFedAdagrad}) {
    EXPECT_THAT(ValidateStrategyConfig(StrategyConfig::Defaults(k)), IsOk());
    EXPECT_EQ(StrategyKindFromName(StrategyKindName(k)), k);
  }
  EXPECT_EQ(StrategyKindFromName("FedAvg"), std::nullopt);
}

TEST(FlStrategyTest, CreateRejectsBadHyperparameters) {
  auto bad = [](StrategyKind kind, double StrategyConfig::*field, double v) {
    StrategyConfig c = StrategyConfig::Defaults(kind);
    c.*field = v;
    return CreateStrategy(c).status();
  };
  using K = StrategyKind;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THAT(bad(K::kFedAvg, &StrategyConfig::server_lr, 0.0),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("server_lr = 0")));
  EXPECT_THAT(bad(K::kFedAvg, &StrategyConfig::server_lr, nan),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("server_lr")));
  EXPECT_THAT(bad(K::kFedAvgM, &StrategyConfig::server_momentum, 1.0),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("server_momentum = 1")));
  EXPECT_THAT(bad(K::kFedAdam, &StrategyConfig::beta1, -0.1),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("beta1")));
  EXPECT_THAT(bad(K::kFedYogi, &StrategyConfig::beta2, 1.0),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("beta2")));
  EXPECT_THAT(bad(K::kFedAdagrad, &StrategyConfig::tau, 0.0),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tau")));
  EXPECT_THAT(bad(K::kFedProx, &StrategyConfig::mu, -1.0),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mu")));
  // A field the strategy ignores must not be set: it would be silently without effect.
  EXPECT_THAT(bad(K::kFedAvg, &StrategyConfig::mu, 0.1),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not use mu")));
  EXPECT_THAT(bad(K::kFedAdagrad, &StrategyConfig::beta2, 0.5),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not use beta2")));
}

}  // namespace
}  // namespace fedcloak::fl
