#include "bench/he_bench.h"

#include <gtest/gtest.h>

#include "fedcloak/base/status_matchers.h"

namespace fedcloak::bench {
namespace {

TEST(HeBenchTest, SmallRunReportsEveryField) {
  HeBenchOptions options;
  options.params = 5000;
  options.sites = 3;
  options.threshold = 2;
  options.repetitions = 2;
  auto result = RunHeBenchmark(options);
  ASSERT_TRUE(result.ok()) << result.status();
  for (const char* key :
       {"encrypt_ms", "load_ms_per_site", "aggregate_ms_per_site", "decrypt_share_ms", "combine_ms",
        "bytes_per_param", "plain_sum_ms_per_site", "threads", "params", "sites", "threshold", "N",
        "log2_q"}) {
    EXPECT_TRUE(result->contains(key)) << key;
  }
  EXPECT_EQ((*result)["N"], 4096);
  EXPECT_EQ((*result)["threads"], 1);
  // 5000 values need 2 ciphertexts of 2 x 4096 x 109 bits plus headers.
  EXPECT_NEAR((*result)["bytes_per_param"].get<double>(), (2.0 * 2 * 4096 * 109 / 8 + 88) / 5000,
              0.01);
}

TEST(HeBenchTest, RejectsBadOptions) {
  HeBenchOptions options;
  options.threshold = 11;
  EXPECT_THAT(RunHeBenchmark(options).status(),
              testing::StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace fedcloak::bench
