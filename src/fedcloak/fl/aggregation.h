// The coordinator's side of one aggregation mode. An Aggregation sends the round's
// training task to the selected sites, collects what they send back and returns the
// weighted mean update: in the clear (plain), after unmasking (secagg) or after
// threshold decryption (he). The engine and the strategies see only the result.
#ifndef FEDCLOAK_FL_AGGREGATION_H_
#define FEDCLOAK_FL_AGGREGATION_H_

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fedcloak/base/blob.h"
#include "fedcloak/fl/messages.h"
#include "fedcloak/fl/secure_messages.h"
#include "fedcloak/fl/site_handle.h"
#include "fedcloak/fl/worker_pool.h"

namespace fedcloak::fl {

struct RoundInput {
  uint64_t round = 0;
  SessionId session;
  ModelBroadcast broadcast;           // global model and training settings
  std::vector<SiteHandle*> selected;  // not owned
  absl::Duration stage_timeout = absl::Minutes(5);
  WorkerPool* pool = nullptr;  // not owned; parallel calls to sites
};

struct AggregateOutcome {
  std::vector<double> mean_update;  // sum_k w_k * delta_k / sum_k w_k
  uint64_t total_weight = 0;
  double mean_train_loss = 0.0;        // weighted by example counts
  std::vector<std::string> survivors;  // sites whose update is in the sum
  std::vector<std::string> dropouts;   // selected sites that are not
  uint64_t bytes_to_sites = 0;         // payload bytes sent by the coordinator
  uint64_t bytes_from_sites = 0;       // payload bytes received
};

// Not thread-safe: the engine runs one round at a time.
class Aggregation {
 public:
  virtual ~Aggregation() = default;
  virtual AggregationMode mode() const = 0;

  // Once per session, with every site of the run, before the first round (he: the
  // multiparty key setup). `enrolled` holds the long-term public keys of the sites that
  // answered the session's enrollment. Default: nothing to do.
  virtual absl::Status Setup(std::span<SiteHandle* const> sites,
                             const std::map<std::string, Enrollment>& enrolled,
                             const SessionId& session, WorkerPool& pool, absl::Duration timeout);

  // One round. FailedPrecondition when too few sites survive (the round failed
  // cleanly; the engine moves on to the next round with a new selection).
  virtual absl::StatusOr<AggregateOutcome> Aggregate(const RoundInput& input) = 0;
};

// Calls every site in `sites` with its task in parallel on `pool`; results[i] belongs to
// sites[i]. Adds payload sizes to the outcome's byte counters.
std::vector<absl::StatusOr<TaskResult>> CallSites(std::span<SiteHandle* const> sites,
                                                  std::span<const Task> tasks,
                                                  absl::Duration timeout, WorkerPool& pool,
                                                  AggregateOutcome* bytes);

// The same task for every site.
std::vector<absl::StatusOr<TaskResult>> BroadcastToSites(std::span<SiteHandle* const> sites,
                                                         const Task& task, absl::Duration timeout,
                                                         WorkerPool& pool, AggregateOutcome* bytes);

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_AGGREGATION_H_
