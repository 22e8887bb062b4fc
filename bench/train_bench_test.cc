#include "bench/train_bench.h"

#include "fedcloak/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::bench {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;

TEST(BenchTrainTest, SmallCnnRunReportsBothLoops) {
  TrainBenchOptions options;
  options.samples = 256;
  options.repetitions = 1;
  options.threads = 1;
  auto report = RunTrainBenchmark(options);
  ASSERT_THAT(report, IsOk());
  const nlohmann::json& j = *report;
  EXPECT_GT(j["samples_per_s"].get<double>(), 0);
  EXPECT_GT(j["bare_samples_per_s"].get<double>(), 0);
  EXPECT_NEAR(j["ratio"].get<double>(),
              j["samples_per_s"].get<double>() / j["bare_samples_per_s"].get<double>(), 1e-9);
  EXPECT_EQ(j["model"], "cnn");
  EXPECT_EQ(j["batch_size"], 64);
  EXPECT_EQ(j["threads"], 1);
  EXPECT_EQ(j["samples"].get<double>(), 256);
  EXPECT_EQ(j["num_parameters"], 46730);
}

TEST(BenchTrainTest, HeartMlpRepeatsTheData) {
  TrainBenchOptions options;
  options.model = "mlp";
  options.dataset = "heart";
  options.samples = 600;  // 3 passes over the 270 examples
  options.repetitions = 2;
  options.threads = 1;
  auto report = RunTrainBenchmark(options);
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ((*report)["samples"].get<double>(), 810);
  EXPECT_EQ((*report)["fedcloak_runs_s"].size(), 2u);
}

TEST(BenchTrainTest, RejectsBadOptions) {
  TrainBenchOptions options;
  options.model = "resnet";
  options.samples = 64;
  EXPECT_THAT(RunTrainBenchmark(options), StatusIs(absl::StatusCode::kInvalidArgument));
  options.model = "cnn";
  options.dataset = "cifar";
  EXPECT_THAT(RunTrainBenchmark(options), StatusIs(absl::StatusCode::kInvalidArgument));
  options.dataset = "fashion-mnist";
  options.threads = 0;
  EXPECT_THAT(RunTrainBenchmark(options), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace fedcloak::bench
