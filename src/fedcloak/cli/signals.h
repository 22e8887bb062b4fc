// SIGINT/SIGTERM handling for the long-running commands. A minimal async-signal-safe
// handler writes the signal number into a pipe; one thread reads the pipe and runs a
// callback (which may take locks and call into gRPC, unlike a signal handler). Handlers,
// not signal masks: libraries (OpenBLAS, OpenMP) start threads before main, and those
// would not inherit a mask.
#ifndef FEDCLOAK_CLI_SIGNALS_H_
#define FEDCLOAK_CLI_SIGNALS_H_

#include <atomic>
#include <functional>
#include <thread>

namespace fedcloak::cli {

// One per process at a time.
class SignalWaiter {
 public:
  // Calls `on_signal(signo)` once, from its own thread, when SIGINT or SIGTERM arrives.
  explicit SignalWaiter(std::function<void(int)> on_signal);
  ~SignalWaiter();  // stops waiting and restores the default dispositions
  int received() const { return received_.load(); }  // 0 if none

 private:
  std::function<void(int)> on_signal_;
  std::atomic<int> received_{0};
  std::thread thread_;
};

}  // namespace fedcloak::cli

#endif  // FEDCLOAK_CLI_SIGNALS_H_
