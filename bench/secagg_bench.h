// Whole-round benchmark of SecAgg+ (issue 4): one site's quantization and masking of its
// update, and the coordinator's work from receipt of the masked inputs to the sum
// (accumulation, reconstruction of seeds and of dropped sites' keys, mask removal).
// Sites drop after sharing keys (the coordinator's worst case: their pairwise masks must
// be recomputed). Single-threaded; medians over `repetitions` whole rounds. The sum is
// checked against the plaintext sum of the encoded inputs. Returns JSON, never prints.
#ifndef FEDCLOAK_BENCH_SECAGG_BENCH_H_
#define FEDCLOAK_BENCH_SECAGG_BENCH_H_

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace fedcloak::bench {

struct SecAggBenchOptions {
  size_t params = 1000000;
  int sites = 100;
  double dropout = 0.05;  // fraction of sites that drop after sharing keys
  int repetitions = 5;
  uint64_t seed = 1;
  // Threat model for deriving k and t (SecAggParameters::Derive with dropout_rate =
  // dropout). Default: 0.05.
  double adversarial_rate = 0.05;
  // Explicit graph degree and threshold; 0 = derived.
  int neighbours = 0;
  int threshold = 0;
};

// Returns {client_mask_ms (quantize + mask, one site), client_quantize_ms,
// client_mask_only_ms, server_unmask_ms, bytes_per_param (one site's uploads / params),
// client_mask_cpu_ms, client_mask_only_cpu_ms, server_unmask_cpu_ms (thread CPU time, for
// loaded machines), neighbours, threshold, sites, params, dropout, dropped_sites,
// repetitions, threads: 1}.
// InvalidArgument for options out of range (params 1..2^28, 3 <= sites <= 1000, dropout
// in [0, 0.45], repetitions >= 1); Internal if the unmasked sum is wrong.
absl::StatusOr<nlohmann::json> RunSecAggBenchmark(const SecAggBenchOptions& options);

}  // namespace fedcloak::bench

#endif  // FEDCLOAK_BENCH_SECAGG_BENCH_H_
