#include "fedcloak/fl/engine.h"

#include <memory>
#include <set>
#include <vector>

#include "fedcloak/base/status_matchers.h"
#include "fedcloak/fl/in_process_site.h"
#include "fedcloak/fl/plain_aggregation.h"
#include "fedcloak/fl/site_runtime.h"
#include "fedcloak/fl/testing_learners.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::fl {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::FloatNear;
using ::testing::HasSubstr;

// Three sites, centers (1,2), (3,4), (5,6) with 1, 2, 3 examples.
class EngineTest : public ::testing::Test {
 protected:
  void BuildSites(InProcessSite::DropHook drop = nullptr) {
    const std::vector<std::vector<float>> centers = {{1, 2}, {3, 4}, {5, 6}};
    for (size_t i = 0; i < centers.size(); ++i) {
      learners_.push_back(
          std::make_unique<testing::QuadraticLearner>(centers[i], static_cast<uint64_t>(i + 1)));
      SiteIdentity id{"site-" + std::to_string(i + 1), static_cast<uint32_t>(i + 1)};
      sites_.push_back(std::make_unique<InProcessSite>(
          id.name,
          std::make_unique<SiteRuntime>(id, session_, learners_.back().get(), &DefaultRandom()),
          drop));
      handles_.push_back(sites_.back().get());
    }
  }

  std::unique_ptr<Engine> MakeEngine(EngineOptions options, uint32_t min_survivors = 1) {
    options.train.learning_rate = 1.0;
    options.train.epochs = 1;
    auto strategy = CreateStrategy(StrategyConfig::Defaults(StrategyKind::kFedAvg));
    EXPECT_THAT(strategy, IsOk());
    auto engine =
        Engine::Create(options, handles_, std::make_unique<PlainAggregation>(min_survivors),
                       std::move(*strategy), {0.0f, 0.0f}, session_, &pool_);
    EXPECT_THAT(engine, IsOk());
    return std::move(*engine);
  }

  SessionId session_;
  WorkerPool pool_{2};
  std::vector<std::unique_ptr<testing::QuadraticLearner>> learners_;
  std::vector<std::unique_ptr<InProcessSite>> sites_;
  std::vector<SiteHandle*> handles_;
};

TEST_F(EngineTest, OneFedAvgRoundGivesTheWeightedMeanOfTheLocalModels) {
  BuildSites();
  auto engine = MakeEngine(EngineOptions{});
  RoundRecord r = engine->RunRound(1);
  ASSERT_THAT(r.status, IsOk());
  // (1*1 + 2*3 + 3*5) / 6 = 22/6 and (1*2 + 2*4 + 3*6) / 6 = 28/6.
  EXPECT_THAT(engine->global_model(),
              ElementsAre(FloatNear(22.0f / 6, 1e-6f), FloatNear(28.0f / 6, 1e-6f)));
  EXPECT_EQ(r.total_weight, 6u);
  EXPECT_EQ(r.survivors.size(), 3u);
  EXPECT_TRUE(r.dropouts.empty());
  ASSERT_TRUE(r.evaluation.has_value());
  EXPECT_EQ(r.evaluation->num_examples, 6u);
  // Each site's own report is kept beside the weighted mean.
  ASSERT_EQ(r.site_evaluations.size(), 3u);
  uint64_t examples = 0;
  for (const auto& [site, m] : r.site_evaluations) examples += m.num_examples;
  EXPECT_EQ(examples, 6u);
  EXPECT_GT(r.bytes_to_sites, 0u);
  EXPECT_GT(r.bytes_from_sites, 0u);
}

TEST_F(EngineTest, DroppedSiteIsLeftOutOfTheAverage) {
  BuildSites([](const std::string& site, const Task& task) {
    return site == "site-2" && task.kind == TaskKind::kTrain;
  });
  auto engine = MakeEngine(EngineOptions{});
  RoundRecord r = engine->RunRound(1);
  ASSERT_THAT(r.status, IsOk());
  // (1*1 + 3*5) / 4 = 4 and (1*2 + 3*6) / 4 = 5.
  EXPECT_THAT(engine->global_model(), ElementsAre(FloatNear(4.0f, 1e-6f), FloatNear(5.0f, 1e-6f)));
  EXPECT_THAT(r.dropouts, ElementsAre("site-2"));
  EXPECT_EQ(r.total_weight, 4u);
}

TEST_F(EngineTest, TooFewSurvivorsFailTheRoundCleanlyAndTheNextRoundProceeds) {
  int train_tasks = 0;
  BuildSites([&train_tasks](const std::string& site, const Task& task) {
    // In round 1 site-3 drops; afterwards everyone answers.
    if (task.kind == TaskKind::kTrain) ++train_tasks;
    return site == "site-3" && task.round == 1;
  });
  EngineOptions options;
  options.rounds = 2;
  auto engine = MakeEngine(options, /*min_survivors=*/3);
  RoundRecord r1 = engine->RunRound(1);
  EXPECT_THAT(r1.status, StatusIs(absl::StatusCode::kFailedPrecondition,
                                  HasSubstr("2 of 3 selected sites returned an update, 3 needed")));
  EXPECT_THAT(engine->global_model(), ElementsAre(0.0f, 0.0f));  // unchanged
  RoundRecord r2 = engine->RunRound(2);
  ASSERT_THAT(r2.status, IsOk());
  EXPECT_THAT(engine->global_model(),
              ElementsAre(FloatNear(22.0f / 6, 1e-6f), FloatNear(28.0f / 6, 1e-6f)));
}

TEST_F(EngineTest, SelectionIsReproducibleAndRespectsFractionAndMinimum) {
  BuildSites();
  EngineOptions options;
  options.fraction = 0.5;  // ceil(1.5) = 2 of 3
  options.seed = 7;
  auto engine = MakeEngine(options);
  std::set<std::vector<SiteHandle*>> distinct;
  for (uint64_t round = 1; round <= 20; ++round) {
    auto a = engine->SelectSites(round);
    auto b = engine->SelectSites(round);
    EXPECT_EQ(a, b);
    EXPECT_EQ(a.size(), 2u);
    std::sort(a.begin(), a.end());
    distinct.insert(a);
  }
  EXPECT_EQ(distinct.size(), 3u);  // all three pairs occur over 20 rounds
}

TEST_F(EngineTest, RunReportsEveryRound) {
  BuildSites();
  EngineOptions options;
  options.rounds = 3;
  auto engine = MakeEngine(options);
  struct Recorder : RoundObserver {
    std::vector<uint64_t> started, ended;
    void OnRoundStart(uint64_t round, const std::vector<std::string>&) override {
      started.push_back(round);
    }
    void OnRoundEnd(const RoundRecord& r, std::span<const float>) override {
      ended.push_back(r.round);
    }
  } recorder;
  ASSERT_THAT(engine->Run(1, &recorder), IsOk());
  EXPECT_THAT(recorder.started, ElementsAre(1u, 2u, 3u));
  EXPECT_THAT(recorder.ended, ElementsAre(1u, 2u, 3u));
}

TEST(EngineCreateTest, RejectsBadOptions) {
  SessionId session;
  WorkerPool pool(1);
  testing::QuadraticLearner learner({1.0f}, 1);
  SiteRuntime runtime({"a", 1}, session, &learner, &DefaultRandom());
  InProcessSite site("a", std::make_unique<SiteRuntime>(SiteIdentity{"a", 1}, session, &learner,
                                                        &DefaultRandom()));
  auto make = [&](EngineOptions o, std::vector<SiteHandle*> sites, std::vector<float> model) {
    return Engine::Create(o, sites, std::make_unique<PlainAggregation>(1),
                          *CreateStrategy(StrategyConfig::Defaults(StrategyKind::kFedAvg)), model,
                          session, &pool);
  };
  EXPECT_THAT(make({}, {}, {0.0f}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no sites")));
  EXPECT_THAT(make({}, {&site}, {}), StatusIs(absl::StatusCode::kInvalidArgument));
  EngineOptions bad_fraction;
  bad_fraction.fraction = 1.5;
  EXPECT_THAT(make(bad_fraction, {&site}, {0.0f}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("fraction 1.5")));
  EngineOptions bad_min;
  bad_min.min_sites = 2;
  EXPECT_THAT(make(bad_min, {&site}, {0.0f}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("minimum of 2 sites")));
}

}  // namespace
}  // namespace fedcloak::fl
