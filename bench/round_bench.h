// `fedcloak bench round`: one deployed federated round, measured end to end. A
// coordinator (in this process: gRPC server with mutual TLS on loopback, the engine and
// the chosen aggregation mode) and one separate process per site (SyntheticSiteHandler
// behind a real site agent), provisioned with a fresh CA. Sites send a synthetic update
// instead of training, so the figure is the cost of the round itself: model broadcast,
// encoding, masking or encryption, transport, aggregation, unmasking or decryption.
// Library code: returns JSON, never prints.
#ifndef FEDCLOAK_BENCH_ROUND_BENCH_H_
#define FEDCLOAK_BENCH_ROUND_BENCH_H_

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace fedcloak::bench {

struct RoundBenchOptions {
  int sites = 10;
  size_t params = 1000000;
  std::string mode = "secagg";  // plain, secagg or he
  // t: he default ceil(2n/3); secagg: 0 derives it (SecAggParameters::Derive).
  int threshold = 0;
  int rounds = 3;  // timed rounds after the session setup; medians are reported
  // The program (and leading arguments) that runs one synthetic site; the benchmark
  // appends --kit DIR --coordinator HOST:PORT --params N. `fedcloak bench round-site`.
  std::vector<std::string> site_command;
  // Where the PKI and the site logs go; empty: a fresh directory under the system's
  // temporary directory, removed afterwards.
  std::string work_dir;
  double timeout_s = 120;  // for the sites to connect, and for each protocol stage
};

// Returns {mode, sites, params, threshold, rounds, setup_s, round_s (median),
// round_s_all, coordinator_bytes_in, coordinator_bytes_out (per round, median round),
// bytes_in_per_param, transport}. Bytes are the serialized gRPC messages the coordinator
// received and sent (without HTTP/2 framing and TLS records). InvalidArgument for
// options out of range (2 <= sites <= 64, params 1..2^26, rounds 1..100, a threshold
// above sites, an unknown mode, no site command); Unavailable if the sites do not
// connect; the round's own error if a round fails.
absl::StatusOr<nlohmann::json> RunRoundBenchmark(const RoundBenchOptions& options);

}  // namespace fedcloak::bench

#endif  // FEDCLOAK_BENCH_ROUND_BENCH_H_
