// Pieces shared by `simulate` and the networked `coordinator`: turning a RunConfig into
// the engine's options, the model source and the aggregation mode, and the console
// reporter of rounds.
#ifndef FEDCLOAK_CLI_RUN_SETUP_H_
#define FEDCLOAK_CLI_RUN_SETUP_H_

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "fedcloak/cli/ml_learner.h"
#include "fedcloak/fl/aggregation.h"
#include "fedcloak/fl/engine.h"
#include "fedcloak/fl/metrics_log.h"
#include "fedcloak/fl/privacy_accountant.h"
#include "fedcloak/fl/run_config.h"

namespace fedcloak::cli {

ModelSource ModelSourceFor(const fl::RunConfig& config, std::vector<int64_t> input_shape,
                           int64_t num_classes);

// `total_weight_bound`: an upper bound on the sum of the example counts of a round's
// sites (the fixed-point capacity of the secure modes).
fl::EngineOptions EngineOptionsFor(const fl::RunConfig& config, uint64_t total_weight_bound);

// The privacy accountant of a DP run (nullopt when DP is off). For the distributed
// discrete Gaussian it also fills `options->encoding.dp`. `smallest_site` is the fewest
// training examples of any site (DP-SGD's sampling rate). InvalidArgument for DP
// settings that do not fit the mode.
absl::StatusOr<std::optional<fl::PrivacyAccountant>> PrivacyAccountantFor(
    const fl::RunConfig& config, size_t num_params, size_t smallest_site,
    fl::EngineOptions* options);

// The aggregation mode of `config`.
absl::StatusOr<std::unique_ptr<fl::Aggregation>> AggregationFor(const fl::RunConfig& config);

// Prints one line per round (and a progress bar when stdout is a terminal), appends the
// round to the metrics log, and runs the optional central evaluation.
class ConsoleReporter final : public fl::RoundObserver {
 public:
  ConsoleReporter(uint64_t rounds, fl::MetricsLog* log,
                  std::function<std::optional<fl::LocalMetrics>(std::span<const float>)> central)
      : rounds_(rounds), log_(log), central_(std::move(central)), tty_(IsTerminal()) {}

  void OnRoundStart(uint64_t round, const std::vector<std::string>& selected) override;
  void OnRoundEnd(const fl::RoundRecord& record, std::span<const float> global) override;

  const std::optional<fl::LocalMetrics>& last_central() const { return last_central_; }
  const std::optional<fl::LocalMetrics>& last_federated() const { return last_federated_; }
  int failed_rounds() const { return failed_rounds_; }

 private:
  static bool IsTerminal();

  uint64_t rounds_;
  fl::MetricsLog* log_;
  std::function<std::optional<fl::LocalMetrics>(std::span<const float>)> central_;
  bool tty_;
  std::optional<fl::LocalMetrics> last_central_;
  std::optional<fl::LocalMetrics> last_federated_;
  int failed_rounds_ = 0;
};

std::string FormatMetrics(const fl::LocalMetrics& m);

}  // namespace fedcloak::cli

#endif  // FEDCLOAK_CLI_RUN_SETUP_H_
