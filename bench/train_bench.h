// Local-training throughput benchmark (issue 5): the fedcloak Trainer against a bare
// libtorch loop (torch::nn modules, randperm + index_select batches, SGD) with the same
// architecture, batch size, thread count and data, run interleaved in the same process.
// `fedcloak bench train` drives it. Library code: returns JSON, never prints.
#ifndef FEDCLOAK_BENCH_TRAIN_BENCH_H_
#define FEDCLOAK_BENCH_TRAIN_BENCH_H_

#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/statusor.h"

namespace fedcloak::bench {

struct TrainBenchOptions {
  std::string model = "cnn";              // "cnn", "mcmahan-cnn" or "mlp"
  std::string dataset = "fashion-mnist";  // "fashion-mnist" (training set) or "heart"
  int batch_size = 64;
  int threads = 2;      // libtorch intra-op threads, >= 1
  int samples = 6400;   // examples per timed run (the data repeats if it has fewer)
  int repetitions = 3;  // timed runs of each loop; medians are reported
};

// Returns {samples_per_s, bare_samples_per_s, ratio = samples_per_s / bare_samples_per_s,
// model, dataset, batch_size, threads, samples, repetitions, fedcloak_runs_s[],
// bare_runs_s[], num_parameters}. Rates are samples over the median wall time.
// InvalidArgument for an unknown model or dataset or a non-positive count; NotFound if
// the data set's files are missing.
absl::StatusOr<nlohmann::json> RunTrainBenchmark(const TrainBenchOptions& options);

}  // namespace fedcloak::bench

#endif  // FEDCLOAK_BENCH_TRAIN_BENCH_H_
