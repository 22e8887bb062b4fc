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
  static absl::StatusOr<std::unique_ptr<MetricsLog>> Open(const std::string& dir,
                                                          const std::string& run_name,
                                                          const std::string& mode);

  // Appends one round. Returns an I/O error as Unavailable / Internal with the path.
  // `central` is the coordinator-side evaluation, if the run has one.
  absl::Status Append(const RoundRecord& record, const std::optional<LocalMetrics>& central);

  const std::string& csv_path() const { return csv_path_; }
  const std::string& json_path() const { return json_path_; }

 private:
  MetricsLog(std::string dir, std::string run_name, std::string mode);

  std::string csv_path_;
  std::string json_path_;
  std::string run_name_;
  std::string mode_;
  std::vector<std::string> json_rounds_;  // serialized round objects
};

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_METRICS_LOG_H_
