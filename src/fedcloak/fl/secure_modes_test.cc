// The secure aggregation modes against the plain baseline on closed-form learners:
// same aggregate up to the documented quantization bound, dropouts at every stage,
// clean failure below the threshold.
#include <array>
#include <memory>
#include <vector>

#include "fedcloak/base/prg.h"
#include "fedcloak/base/status_matchers.h"
#include "fedcloak/fl/engine.h"
#include "fedcloak/fl/he_aggregation.h"
#include "fedcloak/fl/plain_aggregation.h"
#include "fedcloak/fl/privacy_accountant.h"
#include "fedcloak/fl/secagg_aggregation.h"
#include "fedcloak/fl/simulation.h"
#include "fedcloak/fl/testing_learners.h"
#include "fedcloak/fl/update_encoding.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::fl {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;

constexpr size_t kParams = 50;
constexpr double kClip = 4.0;
constexpr double kScale = 1 << 16;

// Site i has a center with coordinates in [-3, 3] and 1 + i examples.
std::vector<float> Center(size_t site) {
  std::array<uint8_t, 32> seed{};
  seed[0] = static_cast<uint8_t>(site);
  Prg prg(seed, "test.center");
  std::vector<float> c(kParams);
  for (float& v : c) v = static_cast<float>(prg.UniformBelow(6001)) / 1000.0f - 3.0f;
  return c;
}

class SecureModesTest : public ::testing::TestWithParam<AggregationMode> {
 protected:
  struct Run {
    RoundRecord record;
    std::vector<float> model;
  };

  Run RunOneRound(AggregationMode mode, size_t n, InProcessSite::DropHook drop,
                  uint32_t min_survivors) {
    std::vector<std::unique_ptr<testing::QuadraticLearner>> learners;
    std::vector<std::unique_ptr<InProcessSite>> sites;
    std::vector<SiteHandle*> handles;
    SessionId session;
    session.bytes[0] = 9;
    for (size_t i = 0; i < n; ++i) {
      learners.push_back(std::make_unique<testing::QuadraticLearner>(Center(i), 1 + i));
      SiteIdentity id{SimulatedSiteName(i), static_cast<uint32_t>(i + 1)};
      sites.push_back(std::make_unique<InProcessSite>(
          id.name,
          std::make_unique<SiteRuntime>(id, session, learners.back().get(), &DefaultRandom()),
          drop));
      handles.push_back(sites.back().get());
    }
    std::unique_ptr<Aggregation> aggregation;
    if (mode == AggregationMode::kPlain) {
      aggregation = std::make_unique<PlainAggregation>(min_survivors);
    } else if (mode == AggregationMode::kSecAgg) {
      SecAggOptions o;
      o.min_survivors = min_survivors;
      aggregation = std::make_unique<SecAggAggregation>(o);
    } else {
      HeOptions o;
      o.min_survivors = min_survivors;
      o.threshold = 3;
      aggregation = std::make_unique<HeAggregation>(o);
    }
    EngineOptions eo;
    eo.train.learning_rate = 1.0;
    eo.encoding.clip = kClip;
    eo.encoding.scale = kScale;
    eo.encoding.max_total_weight = 1000;
    eo.federated_evaluation = false;
    auto engine = Engine::Create(eo, handles, std::move(aggregation),
                                 *CreateStrategy(StrategyConfig::Defaults(StrategyKind::kFedAvg)),
                                 std::vector<float>(kParams, 0.0f), session, &pool_);
    EXPECT_THAT(engine, IsOk());
    EXPECT_THAT((*engine)->Setup(), IsOk());
    Run run;
    run.record = (*engine)->RunRound(1);
    run.model = (*engine)->global_model();
    return run;
  }

  WorkerPool pool_{2};
};

TEST_P(SecureModesTest, SameAggregateAsPlainWithinTheQuantizationBound) {
  const size_t n = 7;
  Run plain = RunOneRound(AggregationMode::kPlain, n, nullptr, 3);
  Run secure = RunOneRound(GetParam(), n, nullptr, 3);
  ASSERT_THAT(plain.record.status, IsOk());
  ASSERT_THAT(secure.record.status, IsOk());
  EXPECT_EQ(secure.record.total_weight, plain.record.total_weight);
  EXPECT_EQ(secure.record.survivors.size(), n);
  // Each site adds at most one quantum 1/scale to the weighted sum; divided by the total
  // weight (28) and plus float rounding of the model.
  const double bound = static_cast<double>(n) / kScale / 28.0 + 1e-6;
  for (size_t j = 0; j < kParams; ++j) {
    EXPECT_NEAR(secure.model[j], plain.model[j], bound) << "coordinate " << j;
  }
}

TEST_P(SecureModesTest, SiteDroppingAtAnyStageLeavesTheRoundToTheOthers) {
  const std::vector<TaskKind> stages =
      GetParam() == AggregationMode::kSecAgg
          ? std::vector<TaskKind>{TaskKind::kSecAggAdvertise, TaskKind::kSecAggShareKeys,
                                  TaskKind::kSecAggMaskedInput, TaskKind::kSecAggUnmask}
          : std::vector<TaskKind>{TaskKind::kTrain};
  for (TaskKind stage : stages) {
    auto drop = [stage](const std::string& site, const Task& task) {
      return site == "site-2" && task.kind == stage;
    };
    Run run = RunOneRound(GetParam(), 6, drop, 3);
    ASSERT_THAT(run.record.status, IsOk()) << TaskKindName(stage);
    // A site dropping after its masked input arrived is still in the sum.
    const bool in_sum = stage == TaskKind::kSecAggUnmask;
    if (GetParam() == AggregationMode::kHe) {
      EXPECT_THAT(run.record.dropouts, ::testing::ElementsAre("site-2"));
    }
    EXPECT_EQ(run.record.survivors.size(), in_sum ? 6u : 5u) << TaskKindName(stage);
    EXPECT_EQ(run.record.total_weight, in_sum ? 21u : 19u) << TaskKindName(stage);
  }
}

TEST_P(SecureModesTest, TooFewSurvivorsFailCleanly) {
  auto drop = [](const std::string& site, const Task& task) {
    return task.round == 1 && site != "site-1" && site != "site-2" &&
           (task.kind == TaskKind::kSecAggMaskedInput || task.kind == TaskKind::kHeDecrypt ||
            task.kind == TaskKind::kTrain);
  };
  Run run = RunOneRound(GetParam(), 5, drop, 3);
  EXPECT_THAT(run.record.status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(run.model, std::vector<float>(kParams, 0.0f));
}

INSTANTIATE_TEST_SUITE_P(Modes, SecureModesTest,
                         ::testing::Values(AggregationMode::kSecAgg, AggregationMode::kHe),
                         [](const ::testing::TestParamInfo<AggregationMode>& p) {
                           return p.param == AggregationMode::kSecAgg ? "secagg" : "he";
                         });

}  // namespace
}  // namespace fedcloak::fl

namespace fedcloak::fl {
namespace {

// Distributed DP in the secure aggregation mode: the decoded mean is the mean of the
// L2-clipped updates plus noise of std z * C / n, epsilon grows every round, and the run
// stops before a round that would exceed the budget.
TEST(DistributedDpTest, NoisyMeanEpsilonPerRoundAndBudgetStop) {
  const size_t n = 6, params = 64;
  SessionId session;
  session.bytes[1] = 5;
  std::vector<std::unique_ptr<testing::QuadraticLearner>> learners;
  std::vector<std::unique_ptr<InProcessSite>> sites;
  std::vector<SiteHandle*> handles;
  for (size_t i = 0; i < n; ++i) {
    // Every center is the same vector of norm 0.4 (< C): clipping leaves it alone.
    learners.push_back(
        std::make_unique<testing::QuadraticLearner>(std::vector<float>(params, 0.05f), 10 + i));
    SiteIdentity id{SimulatedSiteName(i), static_cast<uint32_t>(i + 1)};
    sites.push_back(std::make_unique<InProcessSite>(
        id.name,
        std::make_unique<SiteRuntime>(id, session, learners.back().get(), &DefaultRandom())));
    handles.push_back(sites.back().get());
  }
  const double clip = 1.0, z = 0.5;
  auto dp = PlanDistributedDp(params, clip, z, n, n);
  ASSERT_THAT(dp, IsOk());
  EngineOptions eo;
  eo.rounds = 10;
  eo.train.learning_rate = 1.0;
  eo.federated_evaluation = false;
  eo.encoding.clip = 1.0;
  eo.encoding.scale = 1 << 16;
  eo.encoding.max_total_weight = 1000;
  eo.encoding.dp = *dp;
  SecAggOptions so;
  so.min_survivors = 3;
  WorkerPool pool(2);
  auto engine = Engine::Create(eo, handles, std::make_unique<SecAggAggregation>(so),
                               *CreateStrategy(StrategyConfig::Defaults(StrategyKind::kFedAvg)),
                               std::vector<float>(params, 0.0f), session, &pool);
  ASSERT_THAT(engine, IsOk());
  ASSERT_THAT((*engine)->Setup(), IsOk());
  // A budget that admits a few rounds but not ten.
  auto one = PrivacyAccountant::ForDistributedDp(*dp, params, 1.0, 3, 1e-5, std::nullopt);
  ASSERT_THAT(one, IsOk());
  const double eps1 = *one->ChargeRound();
  const double eps2 = *one->ChargeRound();
  EXPECT_GT(eps2, eps1);
  auto accountant = PrivacyAccountant::ForDistributedDp(*dp, params, 1.0, 3, 1e-5, eps1 + eps2);
  ASSERT_THAT(accountant, IsOk());
  (*engine)->set_privacy_accountant(&*accountant);
  struct Recorder : RoundObserver {
    std::vector<double> eps;
    std::vector<float> first_model;
    void OnRoundEnd(const RoundRecord& r, std::span<const float> global) override {
      EXPECT_THAT(r.status, IsOk());
      eps.push_back(r.epsilon.value_or(-1));
      if (first_model.empty()) first_model.assign(global.begin(), global.end());
    }
  } recorder;
  absl::Status s = (*engine)->Run(1, &recorder);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_GE(recorder.eps.size(), 2u);
  ASSERT_LT(recorder.eps.size(), 10u);
  EXPECT_NEAR(recorder.eps[0], eps1, 1e-9);
  for (size_t i = 1; i < recorder.eps.size(); ++i) EXPECT_GT(recorder.eps[i], recorder.eps[i - 1]);
  // Round 1 from 0: mean update = 0.05 per coordinate + noise of std z*C/n per
  // coordinate after the rotation's inverse (the noise is spread evenly: std ~ z*C/n).
  const double noise_std = z * clip / static_cast<double>(n);
  double mean = 0;
  for (float v : recorder.first_model) mean += v;
  mean /= static_cast<double>(params);
  // The mean over 64 coordinates of 0.05 + noise: within 5 standard errors.
  EXPECT_NEAR(mean, 0.05, 5 * noise_std / 8.0 + 0.01);
}

}  // namespace
}  // namespace fedcloak::fl
