#include "bench/round_bench.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "bench/median.h"
#include "fedcloak/base/secure_random.h"
#include "fedcloak/base/status.h"
#include "fedcloak/fl/engine.h"
#include "fedcloak/fl/he_aggregation.h"
#include "fedcloak/fl/plain_aggregation.h"
#include "fedcloak/fl/secagg_aggregation.h"
#include "fedcloak/fl/strategy.h"
#include "fedcloak/fl/strategy_config.h"
#include "fedcloak/fl/worker_pool.h"
#include "fedcloak/net/certificate_attestation.h"
#include "fedcloak/net/coordinator_server.h"
#include "fedcloak/net/provision.h"
#include "fedcloak/net/tls_material.h"
#include "fedcloak/secagg/parameters.h"

extern char** environ;

namespace fedcloak::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// A child process with stdout and stderr in `log`. Stopped on destruction: SIGTERM,
// then SIGKILL if it has not exited within two seconds.
class ChildProcess {
 public:
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Spawn(const std::vector<std::string>& argv,
                                                             const fs::path& log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = -1;
    const int error = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) {
      return absl::InternalError(fmt::format("cannot start {}: {}", argv[0], std::strerror(error)));
    }
    return std::unique_ptr<ChildProcess>(new ChildProcess(pid));
  }

  ~ChildProcess() {
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 200; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }

  // True if the process has already exited.
  bool Exited() {
    int status = 0;
    if (exited_) return true;
    exited_ = ::waitpid(pid_, &status, WNOHANG) == pid_;
    return exited_;
  }

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_;
  bool exited_ = false;
};

// The last lines of a site's log, for error messages.
std::string Tail(const fs::path& log) {
  std::ifstream in(log);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > 600) text = "..." + text.substr(text.size() - 600);
  return text;
}

// Removes the directory on destruction if the benchmark created it.
class WorkDir {
 public:
  static absl::StatusOr<WorkDir> Make(const std::string& requested) {
    if (!requested.empty()) {
      std::error_code ec;
      fs::create_directories(requested, ec);
      if (ec)
        return absl::InternalError(fmt::format("cannot create {}: {}", requested, ec.message()));
      return WorkDir(requested, false);
    }
    std::string pattern = (fs::temp_directory_path() / "fedcloak-bench-round-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      return absl::InternalError(fmt::format("cannot create a directory {}", pattern));
    }
    return WorkDir(pattern, true);
  }
  WorkDir(WorkDir&& o) noexcept : path_(std::move(o.path_)), owned_(o.owned_) { o.owned_ = false; }
  WorkDir& operator=(WorkDir&&) = delete;
  ~WorkDir() {
    std::error_code ec;
    if (owned_) fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  WorkDir(fs::path path, bool owned) : path_(std::move(path)), owned_(owned) {}
  fs::path path_;
  bool owned_;
};

absl::Status Validate(const RoundBenchOptions& o) {
  if (o.sites < 2 || o.sites > 64) {
    return absl::InvalidArgumentError(fmt::format("--sites {} is outside 2..64", o.sites));
  }
  if (o.params < 1 || o.params > (size_t{1} << 26)) {
    return absl::InvalidArgumentError(fmt::format("--params {} is outside 1..2^26", o.params));
  }
  if (o.rounds < 1 || o.rounds > 100) {
    return absl::InvalidArgumentError(fmt::format("--rounds {} is outside 1..100", o.rounds));
  }
  if (o.mode != "plain" && o.mode != "secagg" && o.mode != "he") {
    return absl::InvalidArgumentError(
        fmt::format("--mode \"{}\" is not one of plain, secagg, he", o.mode));
  }
  if (o.threshold < 0 || o.threshold > o.sites || (o.mode == "he" && o.threshold == 1)) {
    return absl::InvalidArgumentError(
        fmt::format("--threshold {} does not fit {} sites", o.threshold, o.sites));
  }
  if (o.site_command.empty()) return absl::InvalidArgumentError("no site command given");
  if (!(o.timeout_s > 0)) {
    return absl::InvalidArgumentError(fmt::format("timeout {} s is not positive", o.timeout_s));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<nlohmann::json> RunRoundBenchmark(const RoundBenchOptions& o) {
  FEDCLOAK_RETURN_IF_ERROR(Validate(o));
  const int n = o.sites;
  const int default_t = std::max(2, (2 * n + 2) / 3);
  int threshold = o.threshold != 0 ? o.threshold : default_t;
  int neighbours = 0;
  if (o.mode == "secagg") {
    // The SecAgg+ graph degree k and threshold t for n sites (the protocol derives the
    // same when the threshold is left at 0).
    FEDCLOAK_ASSIGN_OR_RETURN(secagg::SecAggParameters p,
                              secagg::SecAggParameters::Derive(static_cast<uint32_t>(n), o.params));
    neighbours = static_cast<int>(p.neighbours());
    if (o.threshold == 0) threshold = static_cast<int>(p.threshold());
  }

  FEDCLOAK_ASSIGN_OR_RETURN(WorkDir work, WorkDir::Make(o.work_dir));
  net::ProvisionOptions po;
  po.output_dir = work.path() / "pki";
  for (int i = 1; i <= n; ++i) po.sites.push_back(fmt::format("site-{:02d}", i));
  po.coordinator_hosts = {"127.0.0.1"};
  po.federation_name = "bench-round";
  FEDCLOAK_ASSIGN_OR_RETURN(net::ProvisionResult pki, net::Provision(po));
  FEDCLOAK_ASSIGN_OR_RETURN(net::TlsMaterial tls, net::LoadCoordinatorTls(pki.coordinator_dir));
  const net::CertificateVerifier key_verifier(tls.ca_certificate_pem);

  net::CoordinatorOptions so;
  so.listen_address = "127.0.0.1:0";
  so.tls = std::move(tls);
  so.sites = po.sites;
  FEDCLOAK_ASSIGN_OR_RETURN(std::unique_ptr<net::CoordinatorServer> server,
                            net::CoordinatorServer::Start(std::move(so)));
  const std::string address = fmt::format("127.0.0.1:{}", server->port());

  std::vector<std::unique_ptr<ChildProcess>> children;
  std::vector<fs::path> logs;
  for (const std::string& site : po.sites) {
    std::vector<std::string> argv = o.site_command;
    argv.insert(argv.end(), {"--kit", pki.kits.at(site).string(), "--coordinator", address,
                             "--params", std::to_string(o.params)});
    logs.push_back(work.path() / fmt::format("{}.log", site));
    FEDCLOAK_ASSIGN_OR_RETURN(auto child, ChildProcess::Spawn(argv, logs.back()));
    children.push_back(std::move(child));
  }
  // Wait for every site, in short steps so that a site that dies is reported at once.
  const auto wait_start = Clock::now();
  for (;;) {
    if (server->WaitForSites(static_cast<size_t>(n), absl::Milliseconds(200)).ok()) break;
    for (size_t i = 0; i < children.size(); ++i) {
      if (children[i]->Exited()) {
        return absl::UnavailableError(
            fmt::format("site {} exited before connecting: {}", po.sites[i], Tail(logs[i])));
      }
    }
    if (Seconds(wait_start, Clock::now()) > o.timeout_s) {
      return absl::UnavailableError(
          fmt::format("not all {} sites connected within {} s", n, o.timeout_s));
    }
  }

  std::vector<std::shared_ptr<fl::SiteHandle>> owned;
  std::vector<fl::SiteHandle*> handles;
  for (const std::string& site : po.sites) {
    FEDCLOAK_ASSIGN_OR_RETURN(auto h, server->Site(site));
    handles.push_back(h.get());
    owned.push_back(std::move(h));
  }
  const uint32_t min_sites = static_cast<uint32_t>(o.mode == "plain" ? n : threshold);
  std::unique_ptr<fl::Aggregation> aggregation;
  if (o.mode == "plain") {
    aggregation = std::make_unique<fl::PlainAggregation>(min_sites);
  } else if (o.mode == "secagg") {
    fl::SecAggOptions a;
    a.min_survivors = min_sites;
    a.threshold = static_cast<uint32_t>(o.threshold);
    aggregation = std::make_unique<fl::SecAggAggregation>(a);
  } else {
    fl::HeOptions a;
    a.min_survivors = min_sites;
    a.threshold = static_cast<uint32_t>(threshold);
    aggregation = std::make_unique<fl::HeAggregation>(a);
  }
  FEDCLOAK_ASSIGN_OR_RETURN(
      auto strategy, fl::CreateStrategy(fl::StrategyConfig::Defaults(fl::StrategyKind::kFedAvg)));
  fl::EngineOptions eo;
  eo.rounds = static_cast<uint64_t>(o.rounds);
  eo.min_sites = min_sites;
  eo.seed = 1;
  eo.federated_evaluation = false;
  eo.encoding.clip = 1.0;
  eo.encoding.scale = std::ldexp(1.0, 16);
  eo.encoding.max_total_weight = static_cast<uint64_t>(n) * 100;
  eo.stage_timeout = absl::Seconds(o.timeout_s);
  eo.session_description = "fedcloak bench round";
  SessionId session;
  DefaultRandom().Fill(session.bytes);
  fl::WorkerPool pool(static_cast<size_t>(n));
  FEDCLOAK_ASSIGN_OR_RETURN(
      auto engine, fl::Engine::Create(eo, handles, std::move(aggregation), std::move(strategy),
                                      std::vector<float>(o.params, 0.0f), session, &pool));

  engine->set_key_verifier(&key_verifier);
  const auto setup_start = Clock::now();
  FEDCLOAK_RETURN_IF_ERROR(engine->Setup());
  const double setup_s = Seconds(setup_start, Clock::now());

  std::vector<double> round_s;
  std::vector<std::pair<uint64_t, uint64_t>> bytes;  // in, out per round
  for (int r = 1; r <= o.rounds; ++r) {
    const net::TrafficStats before = server->traffic();
    const auto start = Clock::now();
    const fl::RoundRecord record = engine->RunRound(static_cast<uint64_t>(r));
    const double seconds = Seconds(start, Clock::now());
    const net::TrafficStats after = server->traffic();
    if (!record.status.ok()) {
      return absl::Status(record.status.code(), fmt::format("round {} failed: {}", r,
                                                            std::string(record.status.message())));
    }
    if (record.survivors.size() != static_cast<size_t>(n)) {
      return absl::InternalError(
          fmt::format("round {}: only {} of {} sites took part", r, record.survivors.size(), n));
    }
    round_s.push_back(seconds);
    bytes.emplace_back(after.bytes_in - before.bytes_in, after.bytes_out - before.bytes_out);
  }
  server->Shutdown();
  children.clear();

  // The bytes of the round whose time is the median (all rounds move the same amount,
  // up to a few bytes of varint lengths).
  const size_t mid =
      static_cast<size_t>(std::min_element(round_s.begin(), round_s.end(),
                                           [m = Median(round_s)](double a, double b) {
                                             return std::abs(a - m) < std::abs(b - m);
                                           }) -
                          round_s.begin());
  nlohmann::json j;
  j["mode"] = o.mode;
  j["sites"] = n;
  j["params"] = o.params;
  if (o.mode != "plain") j["threshold"] = threshold;
  if (o.mode == "secagg") j["neighbours"] = neighbours;
  j["rounds"] = o.rounds;
  j["setup_s"] = setup_s;
  j["round_s"] = Median(round_s);
  j["round_s_all"] = round_s;
  j["coordinator_bytes_in"] = bytes[mid].first;
  j["coordinator_bytes_out"] = bytes[mid].second;
  j["bytes_in_per_param_per_site"] =
      static_cast<double>(bytes[mid].first) / (static_cast<double>(o.params) * n);
  j["transport"] = "gRPC 1.51, mutual TLS, loopback; one process per site";
  j["cores"] = std::thread::hardware_concurrency();
  return j;
}

}  // namespace fedcloak::bench
