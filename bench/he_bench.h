// Whole-pipeline benchmark of threshold homomorphic aggregation (issue 3): one site's
// encode + encrypt + serialize, the coordinator's load and aggregation per site, one
// decryption share, the combination, and the plaintext float sum for comparison.
// Single-threaded; medians over `repetitions`. Library code: returns JSON, never prints.
#ifndef FEDCLOAK_BENCH_HE_BENCH_H_
#define FEDCLOAK_BENCH_HE_BENCH_H_

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace fedcloak::bench {

struct HeBenchOptions {
  size_t params = 1000000;
  int sites = 10;
  int threshold = 7;
  int repetitions = 5;
  uint64_t seed = 1;
};

// Returns {encrypt_ms, load_ms_per_site, aggregate_ms_per_site, decrypt_share_ms,
// combine_ms, bytes_per_param, plain_sum_ms_per_site, threads, params, sites, threshold,
// N, log2_q, simd, ...}; the *_cpu_ms fields are the same medians in CPU time of the
// calling thread (meaningful when other processes share the cores). InvalidArgument
// for options out of range (params 1..2^30, 2 <= threshold <= sites <= 1024,
// repetitions >= 1); an error if the decrypted sum is wrong (Internal).
absl::StatusOr<nlohmann::json> RunHeBenchmark(const HeBenchOptions& options);

}  // namespace fedcloak::bench

#endif  // FEDCLOAK_BENCH_HE_BENCH_H_
