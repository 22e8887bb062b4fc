#include "fedcloak/store/store_observer.h"

#include <filesystem>
#include <memory>
#include <vector>

#include "fedcloak/base/status_matchers.h"
#include "fedcloak/fl/in_process_site.h"
#include "fedcloak/fl/plain_aggregation.h"
#include "fedcloak/fl/site_runtime.h"
#include "fedcloak/fl/strategy.h"
#include "fedcloak/fl/testing_learners.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::store {
namespace {

using ::fedcloak::testing::IsOk;

// Three quadratic sites and a stateful server optimizer (FedAdam), so that a resume
// that forgot the strategy state would give another model.
class Federation {
 public:
  Federation() {
    const std::vector<std::vector<float>> centers = {{1, 2}, {3, 4}, {5, 6}};
    for (size_t i = 0; i < centers.size(); ++i) {
      learners_.push_back(std::make_unique<fl::testing::QuadraticLearner>(
          centers[i], static_cast<uint64_t>(i + 1)));
      fl::SiteIdentity id{"site-" + std::to_string(i + 1), static_cast<uint32_t>(i + 1)};
      sites_.push_back(std::make_unique<fl::InProcessSite>(
          id.name,
          std::make_unique<fl::SiteRuntime>(id, session_, learners_.back().get(), &DefaultRandom()),
          nullptr));
      handles_.push_back(sites_.back().get());
    }
  }

  std::unique_ptr<fl::Engine> MakeEngine(uint64_t rounds) {
    fl::EngineOptions o;
    o.rounds = rounds;
    o.seed = 5;
    o.train.learning_rate = 0.5;
    auto strategy = fl::CreateStrategy(fl::StrategyConfig::Defaults(fl::StrategyKind::kFedAdam));
    EXPECT_THAT(strategy, IsOk());
    auto engine = fl::Engine::Create(o, handles_, std::make_unique<fl::PlainAggregation>(1),
                                     std::move(*strategy), {0.0f, 0.0f}, session_, &pool_);
    EXPECT_THAT(engine, IsOk());
    return std::move(*engine);
  }

 private:
  SessionId session_;
  fl::WorkerPool pool_{2};
  std::vector<std::unique_ptr<fl::testing::QuadraticLearner>> learners_;
  std::vector<std::unique_ptr<fl::InProcessSite>> sites_;
  std::vector<fl::SiteHandle*> handles_;
};

RoundExtrasHook SaveStrategy(fl::Engine* engine) {
  return [engine](const fl::RoundRecord&, std::span<const float>) {
    RoundExtras x;
    x.strategy_state = engine->strategy().SaveState();
    return x;
  };
}

TEST(StoreObserverTest, RecordsRoundsAndResumesToTheSameModel) {
  const std::string dir = ::testing::TempDir() + "/store_observer_resume";
  std::filesystem::remove_all(dir);
  const std::string path = dir + "/runs.sqlite";

  Federation reference_sites;
  auto reference = reference_sites.MakeEngine(5);
  ASSERT_THAT(reference->Run(1, nullptr), IsOk());

  // First coordinator: records rounds 1..3, then "crashes" (is dropped).
  Federation sites;
  {
    auto store = RunStore::Open(path);
    ASSERT_THAT(store, IsOk());
    auto run = (*store)->CreateRun("quad", "cfg", "plain");
    ASSERT_THAT(run, IsOk());
    auto engine = sites.MakeEngine(3);
    StoreObserver observer(store->get(), *run, SaveStrategy(engine.get()));
    ASSERT_THAT(engine->Run(1, &observer), IsOk());
    EXPECT_THAT(observer.status(), IsOk());
    EXPECT_EQ(observer.rounds_recorded(), 3u);
    auto rounds = (*store)->ListRounds(*run);
    ASSERT_THAT(rounds, IsOk());
    ASSERT_EQ(rounds->size(), 3u);
    EXPECT_THAT((*rounds)[2].survivors, ::testing::SizeIs(3));
    EXPECT_TRUE((*rounds)[2].federated.has_value());
  }

  // Second coordinator, same config: finds the run, restores, continues at round 4.
  auto store = RunStore::Open(path);
  ASSERT_THAT(store, IsOk());
  auto point = (*store)->FindResumableRun("quad", "cfg");
  ASSERT_THAT(point, IsOk());
  ASSERT_TRUE(point->has_value());
  EXPECT_EQ((*point)->last_round, 3u);
  auto checkpoint = (*store)->LoadLatestCheckpoint((*point)->run);
  ASSERT_THAT(checkpoint, IsOk());
  auto engine = sites.MakeEngine(5);
  ASSERT_THAT(engine->RestoreGlobalModel(checkpoint->model), IsOk());
  ASSERT_THAT(engine->strategy().LoadState(checkpoint->strategy_state), IsOk());
  StoreObserver observer(store->get(), (*point)->run, SaveStrategy(engine.get()));
  ASSERT_THAT(engine->Run((*point)->last_round + 1, &observer), IsOk());
  ASSERT_THAT((*store)->SetRunStatus((*point)->run, RunStatus::kCompleted), IsOk());

  EXPECT_EQ(engine->global_model(), reference->global_model());
  EXPECT_EQ((*store)->ListRounds((*point)->run)->size(), 5u);
  EXPECT_EQ((*store)->LoadLatestCheckpoint((*point)->run)->model, reference->global_model());
}

TEST(StoreObserverTest, RecordsEachRoundsEpsilonWithThePrivacySettings) {
  const std::string dir = ::testing::TempDir() + "/store_observer_dp";
  std::filesystem::remove_all(dir);
  auto store = RunStore::Open(dir + "/runs.sqlite");
  ASSERT_THAT(store, IsOk());
  auto run = (*store)->CreateRun("dp", "cfg", "secagg");
  ASSERT_THAT(run, IsOk());
  StoreObserver observer(store->get(), *run, nullptr, /*checkpoint=*/false);
  observer.set_privacy_settings(1e-5, 1.2, 0.8);
  const std::vector<float> model = {1};
  fl::RoundRecord r;
  r.round = 1;
  r.epsilon = 0.75;
  observer.OnRoundEnd(r, model);
  r.round = 2;
  r.epsilon.reset();
  observer.OnRoundEnd(r, model);
  ASSERT_THAT(observer.status(), IsOk());
  auto rounds = (*store)->ListRounds(*run);
  ASSERT_THAT(rounds, IsOk());
  ASSERT_EQ(rounds->size(), 2u);
  ASSERT_TRUE((*rounds)[0].privacy.has_value());
  EXPECT_EQ((*rounds)[0].privacy->epsilon, 0.75);
  EXPECT_EQ((*rounds)[0].privacy->delta, 1e-5);
  EXPECT_EQ((*rounds)[0].privacy->noise_multiplier, 1.2);
  EXPECT_EQ((*rounds)[0].privacy->clip, 0.8);
  EXPECT_FALSE((*rounds)[1].privacy.has_value());
  EXPECT_TRUE((*store)->ListCheckpoints(*run)->empty());
}

TEST(StoreObserverTest, StopsRecordingAfterAnError) {
  const std::string dir = ::testing::TempDir() + "/store_observer_error";
  std::filesystem::remove_all(dir);
  auto store = RunStore::Open(dir + "/runs.sqlite");
  ASSERT_THAT(store, IsOk());
  StoreObserver observer(store->get(), /*run=*/99, nullptr);  // no such run
  fl::RoundRecord r;
  r.round = 1;
  const std::vector<float> model = {1};
  observer.OnRoundEnd(r, model);
  EXPECT_EQ(observer.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(observer.rounds_recorded(), 0u);
}

}  // namespace
}  // namespace fedcloak::store
