// The federated engine: runs rounds. Each round it selects sites, has the aggregation
// mode collect the weighted mean update, applies the server strategy to obtain the new
// global model, and asks the participants to evaluate it on their local test split.
#ifndef FEDCLOAK_FL_ENGINE_H_
#define FEDCLOAK_FL_ENGINE_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fedcloak/base/blob.h"
#include "fedcloak/fl/aggregation.h"
#include "fedcloak/fl/key_attestation.h"
#include "fedcloak/fl/learner.h"
#include "fedcloak/fl/site_handle.h"
#include "fedcloak/fl/strategy.h"
#include "fedcloak/fl/worker_pool.h"

namespace fedcloak::fl {

struct EngineOptions {
  uint64_t rounds = 1;
  double fraction = 1.0;      // share of the sites selected each round
  uint32_t min_sites = 1;     // at least this many are selected (and must survive)
  uint64_t seed = 0;          // selection and per-round training seeds
  TrainSettings train;        // round and seed are filled in per round
  EncodingSettings encoding;  // for the secure modes
  absl::Duration stage_timeout = absl::Minutes(5);
  bool federated_evaluation = true;
  // Sent to every site when the session opens (kEnroll): what a site needs to take part
  // (the CLI describes the model and the data format). Opaque to the engine.
  std::string session_description;
};

class PrivacyAccountant;

struct RoundRecord {
  uint64_t round = 0;
  absl::Status status;  // not OK: the round failed and the model is unchanged
  std::vector<std::string> selected;
  std::vector<std::string> survivors;
  std::vector<std::string> dropouts;
  uint64_t total_weight = 0;
  double train_loss = 0.0;
  std::optional<LocalMetrics> evaluation;  // weighted over the sites that reported
  // What each site reported of its own evaluation (only what sites chose to report).
  std::vector<std::pair<std::string, LocalMetrics>> site_evaluations;
  std::optional<double> epsilon;  // privacy spent after this round (DP runs)
  double seconds = 0.0;
  uint64_t bytes_to_sites = 0;
  uint64_t bytes_from_sites = 0;
};

// Called by the engine from the thread that runs it.
class RoundObserver {
 public:
  virtual ~RoundObserver() = default;
  virtual void OnRoundStart(uint64_t /*round*/, const std::vector<std::string>& /*selected*/) {}
  virtual void OnRoundEnd(const RoundRecord& /*record*/, std::span<const float> /*global*/) {}
};

// Not thread-safe. Owns the aggregation and the strategy; not the sites or the pool.
class Engine {
 public:
  // InvalidArgument for an empty site list, an empty model, fraction outside (0, 1],
  // min_sites of 0 or above the number of sites.
  static absl::StatusOr<std::unique_ptr<Engine>> Create(EngineOptions options,
                                                        std::vector<SiteHandle*> sites,
                                                        std::unique_ptr<Aggregation> aggregation,
                                                        std::unique_ptr<Strategy> strategy,
                                                        std::vector<float> initial_model,
                                                        SessionId session, WorkerPool* pool);

  // Once per session before the first round: opens the session at every site
  // (enrollment: each answers with its long-term public keys), then runs the
  // aggregation's setup. Sites that do not answer are left out of the secure modes.
  absl::Status Setup();

  // Names of the sites that enrolled in Setup().
  std::vector<std::string> EnrolledSites() const;

  // Runs round `round` (numbered from 1). A failed round leaves the model unchanged and
  // is reported in the record's status.
  RoundRecord RunRound(uint64_t round);

  // Runs rounds first_round..options.rounds, reporting each to `observer` (may be null).
  // Stops early, returning the error, if `stop_on_failure` and a round fails, or if the
  // privacy accountant refuses the next round (FailedPrecondition naming the budget).
  absl::Status Run(uint64_t first_round, RoundObserver* observer, bool stop_on_failure = false);

  const std::vector<float>& global_model() const { return global_; }
  Strategy& strategy() { return *strategy_; }
  const SessionId& session() const { return session_; }
  const EngineOptions& options() const { return options_; }
  // Makes Run() return Cancelled before its next round. Thread-safe.
  void RequestStop() { stop_requested_.store(true); }

  // Networked runs: enrolments whose attestation `verifier` rejects are left out of the
  // session (not owned; may be null: every enrolment is accepted).
  void set_key_verifier(const KeyVerifier* verifier) { key_verifier_ = verifier; }

  // DP runs: charged before every round (not owned; may be null).
  void set_privacy_accountant(PrivacyAccountant* accountant) { accountant_ = accountant; }

  // For crash-resume: replace the global model (size must match).
  absl::Status RestoreGlobalModel(std::vector<float> model);

  // The sites selected for `round`: deterministic in (seed, round, site list).
  std::vector<SiteHandle*> SelectSites(uint64_t round) const;

 private:
  Engine(EngineOptions options, std::vector<SiteHandle*> sites,
         std::unique_ptr<Aggregation> aggregation, std::unique_ptr<Strategy> strategy,
         std::vector<float> initial_model, SessionId session, WorkerPool* pool);

  std::optional<LocalMetrics> Evaluate(uint64_t round, std::span<SiteHandle* const> sites,
                                       RoundRecord* record);

  EngineOptions options_;
  std::vector<SiteHandle*> sites_;
  std::unique_ptr<Aggregation> aggregation_;
  std::unique_ptr<Strategy> strategy_;
  std::vector<float> global_;
  SessionId session_;
  WorkerPool* pool_;
  PrivacyAccountant* accountant_ = nullptr;
  const KeyVerifier* key_verifier_ = nullptr;
  std::map<std::string, Enrollment> enrolled_;
  std::atomic<bool> stop_requested_{false};
};

// Weighted mean of metrics over sites (weights: example counts). AUC, precision and
// recall are averaged over the sites that report them.
LocalMetrics WeightedMetrics(std::span<const LocalMetrics> metrics);

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_ENGINE_H_
