// RunStore: the history of federated runs in one SQLite file (the embedded default
// store): runs with their configuration snapshot, rounds with selected sites,
// survivors, dropouts, timings, bytes and metrics, per-site metrics (only what sites
// chose to report), privacy accounting, and global-model checkpoints. Checkpoint files
// live in the directory "<store path>-checkpoints/" next to the store and are
// referenced from it with their size and SHA-256.
//
// Durability: WAL journal, synchronous=FULL; a round, its per-site metrics, privacy
// record and checkpoint reference are committed in one transaction, after the
// checkpoint file itself was written atomically. A process killed at any moment leaves
// the store consistent at the last committed round.
//
// The schema is versioned (PRAGMA user_version) and migrated on open; a store written
// by a newer fedcloak is refused. A corrupt or truncated file is DataLoss and is never
// written to.
//
// Not thread-safe: one RunStore per thread. Several processes may open the same store
// (one writer at a time; readers such as `fedcloak status` do not block it).
#ifndef FEDCLOAK_STORE_RUN_STORE_H_
#define FEDCLOAK_STORE_RUN_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/fl/engine.h"
#include "fedcloak/fl/learner.h"
#include "fedcloak/store/checkpoint_file.h"

namespace fedcloak::store {

namespace internal {
class Database;
struct Migration;
}  // namespace internal

enum class RunStatus : uint8_t { kRunning, kCompleted, kFailed };
std::string_view RunStatusName(RunStatus status);  // "running", "completed", "failed"

struct RunInfo {
  int64_t id = 0;
  std::string name;
  std::string config;   // the configuration snapshot, as given to CreateRun
  std::string mode;     // "plain", "secagg", "he"
  std::string created;  // UTC, ISO 8601
  RunStatus status = RunStatus::kRunning;
};

// A run with a summary of its rounds, for `fedcloak status`.
struct RunSummary {
  RunInfo info;
  uint64_t rounds_recorded = 0;
  uint64_t last_round = 0;              // 0: none
  std::optional<double> last_accuracy;  // federated, else central, of the last round
};

// Differential-privacy accounting after a round.
struct PrivacyRecord {
  double epsilon = 0;
  double delta = 0;
  double noise_multiplier = 0;
  double clip = 0;
};

// One metric a site chose to report for a round.
struct SiteMetric {
  std::string site;
  std::string name;
  double value = 0;
};

// What a round adds beyond fl::RoundRecord; all optional.
struct RoundExtras {
  std::optional<fl::LocalMetrics> central;  // coordinator-side evaluation
  std::optional<PrivacyRecord> privacy;
  std::vector<SiteMetric> site_metrics;
  std::vector<uint8_t> strategy_state;    // fl::Strategy::SaveState(), for the checkpoint
  std::vector<uint8_t> checkpoint_extra;  // caller-defined bytes, for the checkpoint
};

// A recorded round.
struct RoundRow {
  int64_t run = 0;
  uint64_t round = 0;
  bool ok = true;
  std::string error;  // empty when ok
  std::vector<std::string> selected, survivors, dropouts;
  uint64_t total_weight = 0;
  double seconds = 0;
  uint64_t bytes_to_sites = 0;
  uint64_t bytes_from_sites = 0;
  std::optional<double> train_loss;  // absent for a failed round
  std::optional<fl::LocalMetrics> federated;
  std::optional<fl::LocalMetrics> central;
  std::optional<PrivacyRecord> privacy;
  std::string finished;  // UTC, ISO 8601
};

struct SiteMetricRow {
  uint64_t round = 0;
  SiteMetric metric;
};

struct CheckpointInfo {
  int64_t run = 0;
  uint64_t round = 0;
  std::string path;    // absolute
  std::string sha256;  // lowercase hex
  uint64_t size = 0;
};

// Where a crashed run continues: the coordinator restores the model and strategy state
// of checkpoint `last_round` (none if 0) and runs rounds last_round + 1 onwards.
struct ResumePoint {
  int64_t run = 0;
  uint64_t last_round = 0;
};

struct StoreOptions {
  // Create the file (and its directory) if it does not exist. Default: true.
  bool create_if_missing = true;
  // Open read-only (status, export): nothing is created or migrated. Default: false.
  bool read_only = false;
  // Run PRAGMA quick_check on open (reads the whole file). Default: true.
  bool verify_on_open = true;
  // Checkpoints kept per run: the newest K; 0 keeps all. Default: 3.
  uint32_t keep_checkpoints = 3;
};

class RunStore {
 public:
  // Opens (creating and migrating as needed) the store at `path`. InvalidArgument for
  // an empty path; NotFound if it does not exist and may not be created; DataLoss if the
  // file is not an SQLite database, is truncated or fails its integrity check;
  // FailedPrecondition if it was written by a newer schema version (naming both
  // versions), or, read-only, if it needs a migration.
  static absl::StatusOr<std::unique_ptr<RunStore>> Open(const std::string& path,
                                                        const StoreOptions& options = {});

  ~RunStore();
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;

  // Runs.
  // InvalidArgument for an empty name or mode.
  absl::StatusOr<int64_t> CreateRun(std::string_view name, std::string_view config_snapshot,
                                    std::string_view mode);
  absl::Status SetRunStatus(int64_t run, RunStatus status);  // NotFound for an unknown run
  absl::StatusOr<RunInfo> GetRun(int64_t run) const;         // NotFound naming run and store
  absl::StatusOr<std::vector<RunSummary>> ListRuns() const;  // oldest first

  // The newest run named `name` with exactly this config snapshot that is still
  // "running" (it did not complete: the coordinator crashed or was stopped), with its
  // last checkpointed round. nullopt if there is none.
  absl::StatusOr<std::optional<ResumePoint>> FindResumableRun(std::string_view name,
                                                              std::string_view config_snapshot);

  // Rounds. Records a finished round (ok or failed) of `run` in one transaction,
  // replacing a previous record of the same round (a round re-run after a resume). If
  // `checkpoint_model` is given, first writes the checkpoint (model, extras'
  // strategy_state and checkpoint_extra) and references it in the same transaction;
  // older checkpoints beyond keep_checkpoints are then removed. NotFound for an unknown
  // run; InvalidArgument for round 0 or counters beyond 2^63; Internal for I/O errors.
  absl::Status CommitRound(int64_t run, const fl::RoundRecord& record, const RoundExtras& extras,
                           std::optional<std::span<const float>> checkpoint_model);

  absl::StatusOr<std::vector<RoundRow>> ListRounds(int64_t run) const;  // by round
  absl::StatusOr<std::vector<SiteMetricRow>> ListSiteMetrics(int64_t run) const;

  // Checkpoints. Writes a checkpoint of `run` after `round` (0: the initial model) and
  // references it (its own transaction). Errors as CommitRound.
  absl::StatusOr<CheckpointInfo> SaveCheckpoint(int64_t run, uint64_t round,
                                                std::span<const float> model,
                                                std::span<const uint8_t> strategy_state,
                                                std::span<const uint8_t> extra);
  // The newest checkpoint of `run`, verified: NotFound if the run has none; DataLoss
  // naming the file if it is missing, has another size or SHA-256 than recorded, or does
  // not parse, or holds another run or round than its reference.
  absl::StatusOr<CheckpointContents> LoadLatestCheckpoint(int64_t run) const;
  absl::StatusOr<std::vector<CheckpointInfo>> ListCheckpoints(int64_t run) const;

  // PRAGMA integrity_check: OK, or DataLoss with SQLite's findings.
  absl::Status CheckIntegrity() const;

  const std::string& path() const { return path_; }
  // Where checkpoint files go: "<path>-checkpoints".
  std::string checkpoint_dir() const { return path_ + "-checkpoints"; }
  uint32_t schema_version() const;

  // For tests of the migration machinery: opens with these migrations instead of the
  // built-in ones.
  static absl::StatusOr<std::unique_ptr<RunStore>> OpenWithMigrations(
      const std::string& path, const StoreOptions& options,
      std::span<const internal::Migration> migrations);

 private:
  RunStore(std::unique_ptr<internal::Database> db, std::string path, StoreOptions options,
           uint32_t version);

  absl::Status CheckRunExists(int64_t run) const;
  // Writes the checkpoint file; returns its reference (not yet in the store).
  absl::StatusOr<CheckpointInfo> WriteCheckpointFile(const CheckpointContents& contents);
  // Inside a transaction: references `info`, returning files the store no longer
  // references (replaced or beyond keep_checkpoints) to delete after the commit.
  absl::StatusOr<std::vector<std::string>> ReferenceCheckpoint(const CheckpointInfo& info);
  std::string RelativeCheckpointPath(const std::string& absolute) const;

  std::unique_ptr<internal::Database> db_;
  std::string path_;
  StoreOptions options_;
  uint32_t version_;
};

}  // namespace fedcloak::store

#endif  // FEDCLOAK_STORE_RUN_STORE_H_
