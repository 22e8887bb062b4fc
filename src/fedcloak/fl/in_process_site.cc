#include "fedcloak/fl/in_process_site.h"

#include <fmt/format.h>

namespace fedcloak::fl {

absl::StatusOr<TaskResult> InProcessSite::Call(const Task& task, absl::Duration /*timeout*/) {
  if (drop_ && drop_(name_, task)) {
    return absl::UnavailableError(
        fmt::format("site {} dropped out at task {}", name_, TaskKindName(task.kind)));
  }
  std::lock_guard<std::mutex> lock(mu_);
  return handler_->Handle(task);
}

}  // namespace fedcloak::fl
