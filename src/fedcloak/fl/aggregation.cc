#include "fedcloak/fl/aggregation.h"

#include <mutex>

namespace fedcloak::fl {

absl::Status Aggregation::Setup(std::span<SiteHandle* const> /*sites*/,
                                const std::map<std::string, Enrollment>& /*enrolled*/,
                                const SessionId& /*session*/, WorkerPool& /*pool*/,
                                absl::Duration /*timeout*/) {
  return absl::OkStatus();
}

std::vector<absl::StatusOr<TaskResult>> CallSites(std::span<SiteHandle* const> sites,
                                                  std::span<const Task> tasks,
                                                  absl::Duration timeout, WorkerPool& pool,
                                                  AggregateOutcome* bytes) {
  std::vector<absl::StatusOr<TaskResult>> results(sites.size(), absl::UnknownError("not called"));
  pool.ParallelFor(sites.size(), [&](size_t i) { results[i] = sites[i]->Call(tasks[i], timeout); });
  if (bytes != nullptr) {
    for (size_t i = 0; i < sites.size(); ++i) {
      bytes->bytes_to_sites += tasks[i].payload.size();
      if (results[i].ok()) bytes->bytes_from_sites += results[i]->payload.size();
    }
  }
  return results;
}

std::vector<absl::StatusOr<TaskResult>> BroadcastToSites(std::span<SiteHandle* const> sites,
                                                         const Task& task, absl::Duration timeout,
                                                         WorkerPool& pool,
                                                         AggregateOutcome* bytes) {
  std::vector<absl::StatusOr<TaskResult>> results(sites.size(), absl::UnknownError("not called"));
  pool.ParallelFor(sites.size(), [&](size_t i) { results[i] = sites[i]->Call(task, timeout); });
  if (bytes != nullptr) {
    for (size_t i = 0; i < sites.size(); ++i) {
      bytes->bytes_to_sites += task.payload.size();
      if (results[i].ok()) bytes->bytes_from_sites += results[i]->payload.size();
    }
  }
  return results;
}

}  // namespace fedcloak::fl
