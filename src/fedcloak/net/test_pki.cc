#include "fedcloak/net/test_pki.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

#include "fedcloak/base/bytes.h"
#include "fedcloak/base/check.h"
#include "fmt/format.h"

namespace fedcloak::net::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "fedcloak-net-XXXXXX").string();
  FEDCLOAK_CHECK(mkdtemp(pattern.data()) != nullptr, "mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

TestPki::TestPki(const std::vector<std::string>& sites, KeyType key_type) {
  ProvisionOptions options;
  options.output_dir = temp_.path() / "pki";
  options.sites = sites;
  options.coordinator_hosts = {"127.0.0.1", "localhost"};
  options.key_type = key_type;
  auto result = Provision(options);
  FEDCLOAK_CHECK(result.ok(), "provisioning the test federation failed");
  auto coordinator = LoadCoordinatorTls(result->coordinator_dir);
  FEDCLOAK_CHECK(coordinator.ok(), "loading the coordinator material failed");
  coordinator_ = std::move(*coordinator);
  for (const auto& [site, dir] : result->kits) {
    auto kit = LoadSiteKit(dir);
    FEDCLOAK_CHECK(kit.ok(), "loading a site kit failed");
    kits_.emplace(site, std::move(*kit));
  }
}

TlsMaterial TestPki::CoordinatorTls() const { return coordinator_.Clone(); }

SiteKit TestPki::Kit(const std::string& site) const {
  auto it = kits_.find(site);
  FEDCLOAK_CHECK(it != kits_.end(), "no such test site");
  return it->second.Clone();
}

absl::StatusOr<fl::TaskResult> EchoHandler::Handle(const fl::Task& task) {
  calls_.fetch_add(1);
  if (delay_ > absl::ZeroDuration()) absl::SleepFor(delay_);
  if (std::string_view(reinterpret_cast<const char*>(task.payload.data()), task.payload.size()) ==
      "fail") {
    return absl::FailedPreconditionError("asked to fail");
  }
  fl::TaskResult result;
  if (task.kind == fl::TaskKind::kStatsSum) {
    uint64_t sum = 0;
    for (uint8_t b : task.payload) sum += b;
    ByteWriter(&result.payload).PutU64(sum);
  } else {
    result.payload = task.payload;
  }
  return result;
}

// Set FEDCLOAK_NET_TEST_LOG=1 to see what coordinators and agents log.
Logger StderrLoggerIfRequested(std::string who) {
  if (std::getenv("FEDCLOAK_NET_TEST_LOG") == nullptr) return nullptr;
  return [who](LogLevel level, std::string_view line) {
    std::fprintf(stderr, "[%s %d] %.*s\n", who.c_str(), static_cast<int>(level),
                 static_cast<int>(line.size()), line.data());
  };
}

CoordinatorOptions FastCoordinatorOptions(const TestPki& pki, std::vector<std::string> sites,
                                          const std::string& listen_address) {
  RouteGrpcLogsTo(StderrLoggerIfRequested("grpc"));  // quiet unless asked
  CoordinatorOptions options;
  options.listen_address = listen_address;
  options.tls = pki.CoordinatorTls();
  options.sites = std::move(sites);
  options.limits.max_chunk_bytes = 256 << 10;
  options.limits.max_payload_bytes = 64 << 20;
  options.heartbeat_interval = absl::Milliseconds(100);
  options.heartbeat_timeout = absl::Milliseconds(1500);
  options.logger = StderrLoggerIfRequested("coordinator");
  return options;
}

SiteAgentOptions FastAgentOptions(const TestPki& pki, const std::string& site, int port) {
  SiteAgentOptions options;
  options.kit = pki.Kit(site);
  options.coordinator_address = fmt::format("127.0.0.1:{}", port);
  options.limits.max_chunk_bytes = 256 << 10;
  options.limits.max_payload_bytes = 64 << 20;
  options.initial_backoff = absl::Milliseconds(50);
  options.max_backoff = absl::Milliseconds(400);
  options.connect_timeout = absl::Seconds(3);
  options.logger = StderrLoggerIfRequested(site);
  return options;
}

AgentThread::AgentThread(SiteAgentOptions options, fl::TaskHandler* handler) {
  auto agent = SiteAgent::Create(std::move(options), handler);
  FEDCLOAK_CHECK(agent.ok(), "creating a test agent failed");
  agent_ = std::move(*agent);
  thread_ = std::thread([this] {
    absl::Status status = agent_->Run();
    absl::MutexLock lock(&mu_);
    result_ = status;
    done_ = true;
  });
}

AgentThread::~AgentThread() { StopAndJoin().IgnoreError(); }

absl::Status AgentThread::StopAndJoin() {
  agent_->Stop();
  if (thread_.joinable()) thread_.join();
  absl::MutexLock lock(&mu_);
  return result_;
}

absl::StatusOr<absl::Status> AgentThread::WaitForExit(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  if (!mu_.AwaitWithTimeout(absl::Condition(&done_), timeout)) {
    return absl::DeadlineExceededError("agent still running");
  }
  return result_;
}

std::vector<uint8_t> PatternBytes(size_t size, uint8_t seed) {
  std::vector<uint8_t> out(size);
  uint32_t x = seed * 2654435761u + 1;
  for (auto& b : out) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<uint8_t>(x >> 24);
  }
  return out;
}

}  // namespace fedcloak::net::testing
