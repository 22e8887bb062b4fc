#include "fedcloak/fl/aggregation.h"

#include <mutex>

namespace fedcloak::fl {

absl::Status Aggregation::Setup(std::span<SiteHandle* const> /*sites*/,
                                const std::map<std::string, Enrollment>& /*enrolled*/,
                                const SessionId& /*session*/, WorkerPool& /*pool*/,
                                absl::Duration /*timeout*/) {
  return absl::OkStatus();
}

namespace {

// Calls sites[i] with task_for(i) on `pool`; counts payload bytes into `bytes`.
template <typename TaskFor>
std::vector<absl::StatusOr<TaskResult>> CallEach(std::span<SiteHandle* const> sites,
                                                 const TaskFor& task_for, absl::Duration timeout,
                                                 WorkerPool& pool, AggregateOutcome* bytes) {
  std::vector<absl::StatusOr<TaskResult>> results(sites.size(), absl::UnknownError("not called"));
  pool.ParallelFor(sites.size(),
                   [&](size_t i) { results[i] = sites[i]->Call(task_for(i), timeout); });
  if (bytes != nullptr) {
    for (size_t i = 0; i < sites.size(); ++i) {
      bytes->bytes_to_sites += task_for(i).payload.size();
      if (results[i].ok()) bytes->bytes_from_sites += results[i]->payload.size();
    }
  }
  return results;
}

}  // namespace

std::vector<absl::StatusOr<TaskResult>> CallSites(std::span<SiteHandle* const> sites,
                                                  std::span<const Task> tasks,
                                                  absl::Duration timeout, WorkerPool& pool,
                                                  AggregateOutcome* bytes) {
  return CallEach(
      sites, [&](size_t i) -> const Task& { return tasks[i]; }, timeout, pool, bytes);
}

std::vector<absl::StatusOr<TaskResult>> BroadcastToSites(std::span<SiteHandle* const> sites,
                                                         const Task& task, absl::Duration timeout,
                                                         WorkerPool& pool,
                                                         AggregateOutcome* bytes) {
  return CallEach(
      sites, [&](size_t) -> const Task& { return task; }, timeout, pool, bytes);
}

}  // namespace fedcloak::fl
