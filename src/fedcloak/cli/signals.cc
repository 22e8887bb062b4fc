#include "fedcloak/cli/signals.h"

#include <pthread.h>
#include <signal.h>

namespace fedcloak::cli {
namespace {

sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);  // used to wake the waiter on destruction
  return set;
}

}  // namespace

void BlockTerminationSignals() {
  sigset_t set = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalWaiter::SignalWaiter(std::function<void(int)> on_signal) : on_signal_(std::move(on_signal)) {
  thread_ = std::thread([this] {
    sigset_t set = TerminationSignals();
    int signo = 0;
    if (sigwait(&set, &signo) != 0 || signo == SIGUSR1) return;
    received_.store(signo);
    on_signal_(signo);
  });
}

SignalWaiter::~SignalWaiter() {
  if (received_.load() == 0) pthread_kill(thread_.native_handle(), SIGUSR1);
  thread_.join();
}

}  // namespace fedcloak::cli
