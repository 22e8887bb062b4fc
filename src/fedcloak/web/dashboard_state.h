// DashboardState: what the coordinator's dashboard shows, kept up to date by the round
// driver (through DashboardObserver and the setters) and read by the HTTP server's
// threads. Thread-safe: every method may be called from any thread.
#ifndef FEDCLOAK_WEB_DASHBOARD_STATE_H_
#define FEDCLOAK_WEB_DASHBOARD_STATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "fedcloak/fl/engine.h"

namespace fedcloak::web {

// Static facts of the run, shown in the page's header and settings panel.
struct DashboardRunInfo {
  std::string name;
  std::string mode;      // "plain", "secagg" or "he" (fl::RunModeName)
  std::string strategy;  // "fedavg", "fedadam", ... (fl::StrategyKindName)
  // The mode's and strategy's parameters as label/value pairs, in display order
  // (e.g. {"threshold", "3"}, {"clip", "1.0"}, {"server lr", "0.01"}).
  std::vector<std::pair<std::string, std::string>> parameters;
  uint64_t rounds_planned = 0;
  uint32_t sites_total = 0;
};

// One finished round as the dashboard keeps it.
struct DashboardRound {
  uint64_t round = 0;
  bool ok = true;
  std::string error;
  uint32_t selected = 0, survivors = 0, dropouts = 0;
  double seconds = 0;
  uint64_t bytes_to_sites = 0, bytes_from_sites = 0;
  std::optional<double> train_loss;
  std::optional<double> loss, accuracy;                  // federated evaluation
  std::optional<double> central_loss, central_accuracy;  // coordinator-side evaluation
  std::optional<double> epsilon;                         // DP epsilon spent after the round
};

class DashboardState {
 public:
  // At most this many rounds are kept (the oldest are dropped).
  static constexpr size_t kMaxRounds = 100000;

  void SetRunInfo(DashboardRunInfo info);
  void SetSitesOnline(uint32_t online);
  // The privacy spent so far (enables fedcloak_epsilon and the page's epsilon card).
  // A round's RoundRecord::epsilon, when set, updates epsilon (delta stays as set here).
  void SetPrivacy(double epsilon, double delta);

  void RoundStarted(uint64_t round, size_t selected);
  // `central`: the coordinator-side evaluation of the round's model, if any.
  void RoundFinished(const fl::RoundRecord& record, const std::optional<fl::LocalMetrics>& central);

  // GET /api/run: run info, live counters and totals (JSON object).
  std::string RunJson() const;
  // GET /api/rounds: the rounds after round `after` (JSON array, oldest first).
  std::string RoundsJson(uint64_t after = 0) const;
  // GET /metrics: Prometheus text exposition format 0.0.4.
  std::string PrometheusText() const;

  std::vector<DashboardRound> rounds() const;

 private:
  mutable absl::Mutex mu_;
  DashboardRunInfo info_ ABSL_GUARDED_BY(mu_);
  std::optional<uint32_t> sites_online_ ABSL_GUARDED_BY(mu_);
  std::optional<std::pair<double, double>> privacy_ ABSL_GUARDED_BY(mu_);
  uint64_t current_round_ ABSL_GUARDED_BY(mu_) = 0;  // started, maybe not finished
  bool round_in_progress_ ABSL_GUARDED_BY(mu_) = false;
  size_t current_selected_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<DashboardRound> rounds_ ABSL_GUARDED_BY(mu_);
  uint64_t rounds_failed_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t dropouts_total_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t bytes_to_sites_total_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t bytes_from_sites_total_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace fedcloak::web

#endif  // FEDCLOAK_WEB_DASHBOARD_STATE_H_
