// SIGINT/SIGTERM handling for the long-running commands: the signals are blocked in
// every thread and one thread waits for them with sigwait(), then runs a callback (which
// may take locks and call into gRPC, unlike a signal handler).
#ifndef FEDCLOAK_CLI_SIGNALS_H_
#define FEDCLOAK_CLI_SIGNALS_H_

#include <atomic>
#include <functional>
#include <thread>

namespace fedcloak::cli {

// Blocks SIGINT and SIGTERM in the calling thread and in the threads it starts later.
// Call at the start of main, before any thread exists.
void BlockTerminationSignals();

class SignalWaiter {
 public:
  // Calls `on_signal(signo)` once, from its own thread, when SIGINT or SIGTERM arrives.
  explicit SignalWaiter(std::function<void(int)> on_signal);
  ~SignalWaiter();                                   // stops waiting
  int received() const { return received_.load(); }  // 0 if none

 private:
  std::function<void(int)> on_signal_;
  std::atomic<int> received_{0};
  std::thread thread_;
};

}  // namespace fedcloak::cli

#endif  // FEDCLOAK_CLI_SIGNALS_H_
