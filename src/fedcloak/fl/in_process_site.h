// A site living in this process (simulation): a SiteHandle that calls a TaskHandler
// directly. A fault hook lets simulations and tests drop the site at any task.
#ifndef FEDCLOAK_FL_IN_PROCESS_SITE_H_
#define FEDCLOAK_FL_IN_PROCESS_SITE_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "fedcloak/fl/site_handle.h"

namespace fedcloak::fl {

// Thread-safe: calls to one site are serialized (a real site handles one task at a time).
class InProcessSite final : public SiteHandle {
 public:
  // Returns true if the site should drop out instead of answering `task`.
  using DropHook = std::function<bool(const std::string& site, const Task& task)>;

  InProcessSite(std::string name, std::unique_ptr<TaskHandler> handler, DropHook drop = nullptr)
      : name_(std::move(name)), handler_(std::move(handler)), drop_(std::move(drop)) {}

  const std::string& name() const override { return name_; }

  // Unavailable when the drop hook fires; otherwise the handler's answer. The timeout is
  // not enforced in process.
  absl::StatusOr<TaskResult> Call(const Task& task, absl::Duration timeout) override;

  TaskHandler& handler() { return *handler_; }

 private:
  const std::string name_;
  std::mutex mu_;
  std::unique_ptr<TaskHandler> handler_ ABSL_PT_GUARDED_BY(mu_);
  DropHook drop_;
};

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_IN_PROCESS_SITE_H_
