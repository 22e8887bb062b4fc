// Test helpers of module net: a provisioned federation in a temporary directory, an
// echo/sum task handler, and an agent running on its own thread.
#ifndef FEDCLOAK_NET_TEST_PKI_H_
#define FEDCLOAK_NET_TEST_PKI_H_

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "fedcloak/fl/site_handle.h"
#include "fedcloak/net/coordinator_server.h"
#include "fedcloak/net/provision.h"
#include "fedcloak/net/site_agent.h"
#include "fedcloak/net/tls_material.h"

namespace fedcloak::net::testing {

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A federation provisioned for 127.0.0.1. Aborts (FEDCLOAK_CHECK) if provisioning fails.
class TestPki {
 public:
  explicit TestPki(const std::vector<std::string>& sites, KeyType key_type = KeyType::kEcP256);

  const std::filesystem::path& dir() const { return temp_.path(); }
  TlsMaterial CoordinatorTls() const;
  SiteKit Kit(const std::string& site) const;

 private:
  TempDir temp_;
  TlsMaterial coordinator_;
  std::map<std::string, SiteKit> kits_;
};

// Echo handler: answers kStatsSum with the 8-byte little-endian sum of the payload
// bytes, the payload "fail" with FailedPrecondition, anything else with the payload
// itself, after `delay`. Counts calls.
class EchoHandler final : public fl::TaskHandler {
 public:
  explicit EchoHandler(absl::Duration delay = absl::ZeroDuration()) : delay_(delay) {}
  absl::StatusOr<fl::TaskResult> Handle(const fl::Task& task) override;
  int calls() const { return calls_.load(); }

 private:
  absl::Duration delay_;
  std::atomic<int> calls_{0};
};

// Options for fast tests: short heartbeats and backoff.
CoordinatorOptions FastCoordinatorOptions(const TestPki& pki, std::vector<std::string> sites,
                                          const std::string& listen_address = "127.0.0.1:0");
SiteAgentOptions FastAgentOptions(const TestPki& pki, const std::string& site, int port);

// Runs an agent's Run() on its own thread; Stop()s and joins on destruction.
class AgentThread {
 public:
  AgentThread(SiteAgentOptions options, fl::TaskHandler* handler);
  ~AgentThread();
  SiteAgent& agent() { return *agent_; }
  // Stops the agent and returns what Run() returned.
  absl::Status StopAndJoin();
  // Waits for Run() to return by itself (e.g. refused registration), at most `timeout`.
  absl::StatusOr<absl::Status> WaitForExit(absl::Duration timeout);

 private:
  std::unique_ptr<SiteAgent> agent_;
  std::thread thread_;
  absl::Mutex mu_;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status result_ ABSL_GUARDED_BY(mu_);
};

std::vector<uint8_t> PatternBytes(size_t size, uint8_t seed);

}  // namespace fedcloak::net::testing

#endif  // FEDCLOAK_NET_TEST_PKI_H_
