#include "fedcloak/cli/signals.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "fedcloak/base/check.h"

namespace fedcloak::cli {
namespace {

// The self-pipe. Process-wide by nature: a signal handler can reach nothing else.
int g_pipe[2] = {-1, -1};

void OnSignal(int signo) {
  const int saved = errno;
  const char c = static_cast<char>(signo);
  (void)!write(g_pipe[1], &c, 1);
  errno = saved;
}

void SetHandler(void (*handler)(int)) {
  struct sigaction sa = {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace

SignalWaiter::SignalWaiter(std::function<void(int)> on_signal) : on_signal_(std::move(on_signal)) {
  FEDCLOAK_CHECK(g_pipe[0] == -1, "one SignalWaiter at a time");
  FEDCLOAK_CHECK(pipe2(g_pipe, O_CLOEXEC) == 0, "cannot create the signal pipe");
  SetHandler(OnSignal);
  thread_ = std::thread([this] {
    char c = 0;
    ssize_t n;
    do {
      n = read(g_pipe[0], &c, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1 || c == 0) return;  // woken by the destructor
    received_.store(static_cast<unsigned char>(c));
    on_signal_(static_cast<unsigned char>(c));
  });
}

SignalWaiter::~SignalWaiter() {
  if (received_.load() == 0) {
    const char c = 0;
    (void)!write(g_pipe[1], &c, 1);
  }
  thread_.join();
  SetHandler(SIG_DFL);
  close(g_pipe[0]);
  close(g_pipe[1]);
  g_pipe[0] = g_pipe[1] = -1;
}

}  // namespace fedcloak::cli
