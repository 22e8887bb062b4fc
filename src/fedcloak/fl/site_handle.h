// The coordinator's view of one site. The engine talks to every site through this
// interface and does not know whether the site is a virtual one in this process
// (simulation) or a remote agent behind a gRPC stream (module net).
#ifndef FEDCLOAK_FL_SITE_HANDLE_H_
#define FEDCLOAK_FL_SITE_HANDLE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fedcloak/fl/task.h"

namespace fedcloak::fl {

// Implementations must be thread-safe: the engine calls different handles from
// different worker threads, and may call one handle from several threads in sequence.
class SiteHandle {
 public:
  virtual ~SiteHandle() = default;

  // The site's identity: the name in its certificate, or "site-<i>" in simulation.
  virtual const std::string& name() const = 0;

  // Sends `task` and waits for the site's answer, at most `timeout`.
  // Returns the site's own error if it refused the task (its code and message), or
  // Unavailable (disconnected) / DeadlineExceeded (no answer in time): the engine
  // counts both of these as a dropout.
  virtual absl::StatusOr<TaskResult> Call(const Task& task, absl::Duration timeout) = 0;
};

// The site's side: executes tasks. The simulator calls it directly; the site agent of
// module net calls it for every task that arrives on the stream.
class TaskHandler {
 public:
  virtual ~TaskHandler() = default;
  virtual absl::StatusOr<TaskResult> Handle(const Task& task) = 0;
};

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_SITE_HANDLE_H_
