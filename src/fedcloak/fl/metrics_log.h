// Writes per-round metrics of a run to <dir>/rounds.csv and <dir>/rounds.json, updated
// after every round (the JSON file is replaced atomically), so a crash loses nothing
// that was reported.
#ifndef FEDCLOAK_FL_METRICS_LOG_H_
#define FEDCLOAK_FL_METRICS_LOG_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/fl/engine.h"

namespace fedcloak::fl {

// Not thread-safe.
class MetricsLog {
 public:
  // Creates `dir` if needed. `run_name` and `mode` are recorded in the JSON file.
  // `first_round` > 1 (a resumed run) keeps the rounds before it from files an earlier
  // process of the same run wrote in `dir` (later rounds are dropped: they are run
  // again); files that are missing, of another run or unreadable are started afresh.
  static absl::StatusOr<std::unique_ptr<MetricsLog>> Open(const std::string& dir,
                                                          const std::string& run_name,
                                                          const std::string& mode,
                                                          uint64_t first_round = 1);

  // Appends one round. Returns an I/O error as Unavailable / Internal with the path.
  // `central` is the coordinator-side evaluation, if the run has one.
  absl::Status Append(const RoundRecord& record, const std::optional<LocalMetrics>& central);

  const std::string& csv_path() const { return csv_path_; }
  const std::string& json_path() const { return json_path_; }

 private:
  MetricsLog(std::string dir, std::string run_name, std::string mode);
  // Loads the rounds before `first_round` from existing files; false if they cannot be
  // used (then nothing is kept).
  bool CarryOver(uint64_t first_round, std::string* csv_rows);

  std::string csv_path_;
  std::string json_path_;
  std::string run_name_;
  std::string mode_;
  std::vector<std::string> json_rounds_;  // serialized round objects
};

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_METRICS_LOG_H_
