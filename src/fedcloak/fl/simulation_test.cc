#include "fedcloak/fl/simulation.h"

#include <memory>

#include "fedcloak/base/status_matchers.h"
#include "fedcloak/fl/engine.h"
#include "fedcloak/fl/plain_aggregation.h"
#include "fedcloak/fl/testing_learners.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::fl {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;

LearnerFactory Quadratic() {
  return [](size_t i) -> absl::StatusOr<std::unique_ptr<LocalLearner>> {
    return std::make_unique<testing::QuadraticLearner>(
        std::vector<float>{static_cast<float>(i), 1.0f}, 1 + i % 3);
  };
}

TEST(SimulationTest, DropoutsAreDeterministicAndNearTheConfiguredRate) {
  SimulationOptions o;
  o.num_sites = 200;
  o.dropout = 0.2;
  o.seed = 11;
  auto sim = Simulation::Create(o, Quadratic(), SessionId{});
  ASSERT_THAT(sim, IsOk());
  int drops = 0;
  for (size_t i = 0; i < o.num_sites; ++i) {
    for (uint64_t round = 1; round <= 10; ++round) {
      EXPECT_EQ((*sim)->DropsOut(i, round), (*sim)->DropsOut(i, round));
      drops += (*sim)->DropsOut(i, round) ? 1 : 0;
    }
  }
  // 2000 Bernoulli(0.2) draws: mean 400, sd 17.9; +-5 sd.
  EXPECT_GT(drops, 400 - 90);
  EXPECT_LT(drops, 400 + 90);
  EXPECT_FALSE((*sim)->DropsOut(0, 0));
}

TEST(SimulationTest, ManySitesRunWithBoundedWorkersAndDropouts) {
  SimulationOptions o;
  o.num_sites = 300;
  o.dropout = 0.1;
  o.seed = 3;
  auto sim = Simulation::Create(o, Quadratic(), SessionId{});
  ASSERT_THAT(sim, IsOk());
  WorkerPool pool(2);
  EngineOptions eo;
  eo.rounds = 2;
  eo.fraction = 0.5;
  eo.min_sites = 10;
  eo.train.learning_rate = 1.0;
  auto strategy = CreateStrategy(StrategyConfig::Defaults(StrategyKind::kFedAvg));
  ASSERT_THAT(strategy, IsOk());
  auto engine = Engine::Create(eo, (*sim)->sites(), std::make_unique<PlainAggregation>(10),
                               std::move(*strategy), {0.0f, 0.0f}, SessionId{}, &pool);
  ASSERT_THAT(engine, IsOk());
  RoundRecord r = (*engine)->RunRound(1);
  ASSERT_THAT(r.status, IsOk());
  EXPECT_EQ(r.selected.size(), 150u);
  EXPECT_EQ(r.survivors.size() + r.dropouts.size(), 150u);
  EXPECT_GT(r.dropouts.size(), 0u);
  // Second coordinate: every center has 1, so the weighted mean is exactly 1.
  EXPECT_FLOAT_EQ((*engine)->global_model()[1], 1.0f);
}

TEST(SimulationTest, RejectsBadOptions) {
  SimulationOptions o;
  EXPECT_THAT(Simulation::Create(o, Quadratic(), SessionId{}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  o.num_sites = 3;
  o.dropout = 1.0;
  EXPECT_THAT(Simulation::Create(o, Quadratic(), SessionId{}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace fedcloak::fl
