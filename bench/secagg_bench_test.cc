#include "bench/secagg_bench.h"

#include <gtest/gtest.h>

#include "fedcloak/base/status_matchers.h"

namespace fedcloak::bench {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;

TEST(SecAggBenchTest, SmallRunReportsAllFields) {
  SecAggBenchOptions options;
  options.params = 2000;
  options.sites = 12;
  options.dropout = 0.1;
  options.repetitions = 2;
  auto result = RunSecAggBenchmark(options);
  ASSERT_THAT(result, IsOk());
  const nlohmann::json& j = *result;
  for (const char* key : {"client_mask_ms", "client_quantize_ms", "client_mask_only_ms",
                          "server_unmask_ms", "bytes_per_param"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_GE(j[key].get<double>(), 0.0) << key;
  }
  EXPECT_EQ(j["sites"], 12);
  EXPECT_EQ(j["params"], 2000);
  EXPECT_EQ(j["threads"], 1);
  EXPECT_EQ(j["dropped_sites"], 1);
  EXPECT_GT(j["neighbours"].get<int>(), 0);
  EXPECT_GT(j["threshold"].get<int>(), 0);
  // The masked upload is 4 bytes per value; keys and shares add a little at this size.
  EXPECT_GT(j["bytes_per_param"].get<double>(), 4.0);
  EXPECT_LT(j["bytes_per_param"].get<double>(), 6.0);
}

TEST(SecAggBenchTest, ExplicitGraphAndBadOptions) {
  SecAggBenchOptions options;
  options.params = 100;
  options.sites = 8;
  options.repetitions = 1;
  options.neighbours = 4;
  options.threshold = 3;
  auto result = RunSecAggBenchmark(options);
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ((*result)["neighbours"], 4);
  options.sites = 2;
  EXPECT_THAT(RunSecAggBenchmark(options), StatusIs(absl::StatusCode::kInvalidArgument));
  options.sites = 8;
  options.dropout = 0.9;
  EXPECT_THAT(RunSecAggBenchmark(options), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace fedcloak::bench
