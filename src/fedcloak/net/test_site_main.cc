// net_test_site: a site agent with an echo handler, for the multi-process test.
//   net_test_site --kit DIR --address HOST:PORT [--delay-ms N]
// Stops cleanly on SIGINT / SIGTERM (exit 0); exit 1 if the agent fails, 2 for usage.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "fedcloak/net/site_agent.h"
#include "fedcloak/net/test_pki.h"

int main(int argc, char** argv) {
  std::string kit_dir, address;
  long delay_ms = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--kit")
      kit_dir = argv[i + 1];
    else if (flag == "--address")
      address = argv[i + 1];
    else if (flag == "--delay-ms")
      delay_ms = std::strtol(argv[i + 1], nullptr, 10);
    else
      kit_dir.clear();
  }
  if (kit_dir.empty() || address.empty()) {
    std::fprintf(stderr, "usage: net_test_site --kit DIR --address HOST:PORT [--delay-ms N]\n");
    return 2;
  }
  // Signals are taken by one thread with sigwait; every other thread blocks them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto kit = fedcloak::net::LoadSiteKit(kit_dir);
  if (!kit.ok()) {
    std::fprintf(stderr, "%s\n", kit.status().ToString().c_str());
    return 1;
  }
  fedcloak::net::SiteAgentOptions options;
  options.kit = std::move(*kit);
  options.coordinator_address = address;
  options.limits.max_chunk_bytes = 256 << 10;
  options.limits.max_payload_bytes = 64 << 20;
  options.initial_backoff = absl::Milliseconds(50);
  options.max_backoff = absl::Milliseconds(500);
  fedcloak::net::testing::EchoHandler handler(absl::Milliseconds(delay_ms));
  auto agent = fedcloak::net::SiteAgent::Create(std::move(options), &handler);
  if (!agent.ok()) {
    std::fprintf(stderr, "%s\n", agent.status().ToString().c_str());
    return 1;
  }
  std::thread waiter([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    (*agent)->Stop();
  });
  const absl::Status status = (*agent)->Run();
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    std::_Exit(1);  // the waiter thread still blocks in sigwait
  }
  waiter.join();
  return 0;
}
