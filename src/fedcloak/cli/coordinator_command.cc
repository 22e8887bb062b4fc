// `fedcloak coordinator --config run.toml`: serves the run's sites over gRPC with mutual
// TLS and runs the federated rounds. Holds no data: it sees only what the aggregation
// mode reveals (in `he` and `secagg`, the aggregate).
#include <fmt/format.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "fedcloak/base/secure_random.h"
#include "fedcloak/cli/commands.h"
#include "fedcloak/cli/run_setup.h"
#include "fedcloak/cli/session_description.h"
#include "fedcloak/cli/signals.h"
#include "fedcloak/fl/observer_list.h"
#include "fedcloak/fl/strategy.h"
#include "fedcloak/net/certificate_attestation.h"
#include "fedcloak/net/coordinator_server.h"
#include "fedcloak/net/logger.h"
#include "fedcloak/net/tls_material.h"
#include "fedcloak/store/run_store.h"
#include "fedcloak/store/store_observer.h"
#include "fedcloak/web/dashboard.h"
#include "fedcloak/web/dashboard_observer.h"
#include "fedcloak/web/dashboard_state.h"

namespace fedcloak::cli {
namespace {

struct CoordinatorArgs {
  std::string config;
  std::string certs;
  std::string listen;
  std::string out;
  double wait_s = 120;
  bool verbose = false;
};

int Fail(const absl::Status& s, int code) {
  std::fprintf(stderr, "fedcloak coordinator: %s\n", std::string(s.message()).c_str());
  return code;
}

// Keeps the dashboard's count of connected sites current.
class SitesOnlineObserver final : public fl::RoundObserver {
 public:
  SitesOnlineObserver(const net::CoordinatorServer* server, web::DashboardState* state)
      : server_(server), state_(state) {}
  void OnRoundStart(uint64_t, const std::vector<std::string>&) override { Update(); }
  void OnRoundEnd(const fl::RoundRecord&, std::span<const float>) override { Update(); }

 private:
  void Update() { state_->SetSitesOnline(static_cast<uint32_t>(server_->ConnectedSites().size())); }
  const net::CoordinatorServer* server_;
  web::DashboardState* state_;
};

absl::StatusOr<std::string> ReadText(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(fmt::format("cannot read {}", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int RunCoordinator(const CoordinatorArgs& a) {
  auto config = fl::LoadRunConfig(a.config);
  if (!config.ok()) return Fail(config.status(), kExitUsage);
  fl::RunConfig& c = *config;
  if (!a.out.empty()) c.output.dir = a.out;
  if (c.network.sites.empty()) {
    return Fail(absl::InvalidArgumentError("[network] sites lists no site"), kExitUsage);
  }
  std::vector<int64_t> shape;
  int64_t classes = 0;
  if (auto s = KnownDataShape(c, &shape, &classes); !s.ok()) return Fail(s, kExitUsage);
  const ModelSource source = ModelSourceFor(c, shape, classes);
  auto initial = BuildModel(source);
  if (!initial.ok()) return Fail(initial.status(), kExitFailure);
  auto description = DescribeSession(c, source);
  if (!description.ok()) return Fail(description.status(), kExitUsage);

  const std::string certs = a.certs.empty() ? c.network.certs_dir : a.certs;
  auto tls = net::LoadCoordinatorTls(certs + "/coordinator");
  if (!tls.ok()) return Fail(tls.status(), kExitUsage);
  net::Logger logger = [verbose = a.verbose](net::LogLevel level, std::string_view m) {
    if (level == net::LogLevel::kDebug && !verbose) return;
    std::fprintf(stderr, "coordinator: %.*s\n", static_cast<int>(m.size()), m.data());
  };
  net::RouteGrpcLogsTo(logger);
  // Every site's enrolled keys must be attested by its certificate (from this CA).
  const net::CertificateVerifier key_verifier(tls->ca_certificate_pem);
  net::CoordinatorOptions so;
  so.listen_address = a.listen.empty() ? c.network.coordinator_address : a.listen;
  so.tls = *std::move(tls);
  so.sites = c.network.sites;
  so.limits.max_payload_bytes = uint64_t{c.network.max_message_mb} << 20;
  so.heartbeat_interval = absl::Seconds(c.network.heartbeat_s);
  so.heartbeat_timeout = absl::Seconds(3 * c.network.heartbeat_s);
  so.logger = logger;
  auto server = net::CoordinatorServer::Start(std::move(so));
  if (!server.ok()) return Fail(server.status(), kExitFailure);

  // Read by the signal thread: the engine that a signal should stop, if any.
  std::atomic<fl::Engine*> running{nullptr};
  // Installed before the "listening" line, which tells scripts that signals are handled.
  SignalWaiter signals([&](int) {
    if (fl::Engine* e = running.load(); e != nullptr) e->RequestStop();
    (*server)->Shutdown();
  });
  std::printf(
      "fedcloak coordinator: run \"%s\", mode %s, listening on port %d, waiting for %zu "
      "sites\n",
      c.run.name.c_str(), std::string(fl::RunModeName(c.run.mode)).c_str(), (*server)->port(),
      c.network.sites.size());
  std::fflush(stdout);
  // Wait in short steps so that a signal ends the wait at once.
  absl::StatusOr<std::vector<std::string>> connected =
      absl::DeadlineExceededError("no site connected");
  for (double waited = 0; waited < a.wait_s && signals.received() == 0; waited += 0.25) {
    connected = (*server)->WaitForSites(c.network.sites.size(), absl::Milliseconds(250));
    if (connected.ok()) break;
  }
  if (signals.received() != 0) {
    std::printf("stopped by signal %d while waiting for sites\n", signals.received());
    return 128 + signals.received();
  }
  if (!connected.ok()) {
    return Fail(absl::DeadlineExceededError(fmt::format("not every site connected within {} s ({})",
                                                        a.wait_s,
                                                        std::string(connected.status().message()))),
                kExitFailure);
  }
  std::printf("all %zu sites connected (mutual TLS, identities from their certificates)\n",
              connected->size());

  std::vector<std::shared_ptr<fl::SiteHandle>> owned;
  std::vector<fl::SiteHandle*> handles;
  for (const std::string& name : c.network.sites) {
    auto h = (*server)->Site(name);
    if (!h.ok()) return Fail(h.status(), kExitFailure);
    owned.push_back(*h);
    handles.push_back(h->get());
  }
  auto strategy = fl::CreateStrategy(c.strategy);
  if (!strategy.ok()) return Fail(strategy.status(), kExitUsage);
  auto aggregation = AggregationFor(c);
  if (!aggregation.ok()) return Fail(aggregation.status(), kExitUsage);
  // The coordinator does not know the sites' data sizes: bound the total weight by the
  // capacity the fixed-point scale leaves.
  const double per_unit = c.secure.clip * std::ldexp(1.0, static_cast<int>(c.secure.scale_bits));
  const auto weight_bound =
      static_cast<uint64_t>(std::max(1.0, std::floor((std::ldexp(1.0, 31) - 1) / (per_unit + 1))));
  fl::EngineOptions options = EngineOptionsFor(c, weight_bound);
  options.session_description = *description;
  auto accountant = PrivacyAccountantFor(c, initial->num_parameters(), 1, &options);
  if (!accountant.ok()) return Fail(accountant.status(), kExitUsage);
  SessionId session;
  DefaultRandom().Fill(session.bytes);
  fl::WorkerPool pool(std::max<size_t>(handles.size(), 1));
  auto engine = fl::Engine::Create(options, handles, std::move(*aggregation), std::move(*strategy),
                                   initial->GetParameters(), session, &pool);
  if (!engine.ok()) return Fail(engine.status(), kExitUsage);
  if (accountant->has_value()) (*engine)->set_privacy_accountant(&**accountant);
  (*engine)->set_key_verifier(&key_verifier);
  running.store(engine->get());

  // The run store: every round, and a checkpoint after it. A coordinator restarted with
  // the same configuration resumes after the last checkpointed round.
  auto snapshot = ReadText(a.config);
  if (!snapshot.ok()) return Fail(snapshot.status(), kExitUsage);
  auto run_store = store::RunStore::Open(c.store.path);
  if (!run_store.ok()) return Fail(run_store.status(), kExitFailure);
  uint64_t first_round = 1;
  int64_t run_id = 0;
  auto resume = (*run_store)->FindResumableRun(c.run.name, *snapshot);
  if (!resume.ok()) return Fail(resume.status(), kExitFailure);
  if (resume->has_value()) {
    run_id = (*resume)->run;
    auto checkpoint = (*run_store)->LoadLatestCheckpoint(run_id);
    if (!checkpoint.ok()) return Fail(checkpoint.status(), kExitFailure);
    if (auto s = (*engine)->RestoreGlobalModel(checkpoint->model); !s.ok()) {
      return Fail(s, kExitFailure);
    }
    if (!checkpoint->strategy_state.empty()) {
      if (auto s = (*engine)->strategy().LoadState(checkpoint->strategy_state); !s.ok()) {
        return Fail(s, kExitFailure);
      }
    }
    first_round = checkpoint->round + 1;
    // The privacy already spent: every round charges the same amount.
    for (uint64_t r = 0; accountant->has_value() && r < checkpoint->round; ++r) {
      if (auto e = (**accountant).ChargeRound(); !e.ok()) return Fail(e.status(), kExitFailure);
    }
    std::printf("resuming run %lld of %s after round %llu\n", static_cast<long long>(run_id),
                c.store.path.c_str(), static_cast<unsigned long long>(checkpoint->round));
  } else {
    auto created = (*run_store)->CreateRun(c.run.name, *snapshot, fl::RunModeName(c.run.mode));
    if (!created.ok()) return Fail(created.status(), kExitFailure);
    run_id = *created;
  }
  fl::Engine* engine_ptr = engine->get();
  // Each round's record, the strategy state for resume, and what each site reported of
  // its own evaluation.
  auto round_extras = [engine_ptr](const fl::RoundRecord& r, std::span<const float>) {
    store::RoundExtras x;
    x.strategy_state = engine_ptr->strategy().SaveState();
    for (const auto& [site, m] : r.site_evaluations) {
      x.site_metrics.push_back({site, "accuracy", m.accuracy});
      x.site_metrics.push_back({site, "loss", m.loss});
      x.site_metrics.push_back({site, "examples", static_cast<double>(m.num_examples)});
      if (m.auc) x.site_metrics.push_back({site, "auc", *m.auc});
    }
    return x;
  };
  store::StoreObserver store_observer(run_store->get(), run_id, round_extras);
  if (c.dp.enabled) {
    store_observer.set_privacy_settings(c.dp.delta, c.dp.noise_multiplier, c.dp.clip_norm);
  }

  auto log = fl::MetricsLog::Open(c.output.dir, c.run.name,
                                  std::string(fl::RunModeName(c.run.mode)), first_round);
  if (!log.ok()) return Fail(log.status(), kExitFailure);
  ConsoleReporter reporter(c.run.rounds, log->get(), nullptr);
  fl::ObserverList observers;
  observers.Add(&reporter);
  observers.Add(&store_observer);

  // The operator's dashboard (loopback unless configured otherwise).
  web::DashboardState dashboard_state;
  std::unique_ptr<web::DashboardObserver> dashboard_observer;
  std::unique_ptr<SitesOnlineObserver> sites_observer;
  std::unique_ptr<web::Dashboard> dashboard;
  if (c.dashboard.enabled) {
    web::DashboardRunInfo info;
    info.name = c.run.name;
    info.mode = std::string(fl::RunModeName(c.run.mode));
    info.strategy = std::string(fl::StrategyKindName(c.strategy.kind));
    info.rounds_planned = c.run.rounds;
    info.sites_total = static_cast<uint32_t>(handles.size());
    if (c.run.mode == fl::RunMode::kHe) {
      info.parameters.emplace_back("threshold",
                                   fmt::format("{} of {}", c.secure.threshold, handles.size()));
      info.parameters.emplace_back("ring", std::string(fl::HeParamSetName(c.secure.he_params)));
    }
    if (c.run.mode != fl::RunMode::kPlain) {
      info.parameters.emplace_back("clip", fmt::format("{}", c.secure.clip));
      info.parameters.emplace_back("scale", fmt::format("2^{}", c.secure.scale_bits));
    }
    if (c.dp.enabled) {
      info.parameters.emplace_back("dp noise multiplier", fmt::format("{}", c.dp.noise_multiplier));
      info.parameters.emplace_back("dp clip norm", fmt::format("{}", c.dp.clip_norm));
      dashboard_state.SetPrivacy(0, c.dp.delta);
    }
    dashboard_state.SetRunInfo(std::move(info));
    web::DashboardOptions o;
    o.bind = c.dashboard.bind;
    o.port = c.dashboard.port;
    auto started = web::Dashboard::Start(o, &dashboard_state);
    if (!started.ok()) return Fail(started.status(), kExitFailure);
    dashboard = *std::move(started);
    dashboard_observer = std::make_unique<web::DashboardObserver>(&dashboard_state);
    sites_observer = std::make_unique<SitesOnlineObserver>(server->get(), &dashboard_state);
    observers.Add(sites_observer.get());
    observers.Add(dashboard_observer.get());
    std::printf("dashboard: %s (metrics: %smetrics)\n", dashboard->url().c_str(),
                dashboard->url().c_str());
  }

  if (auto s = (*engine)->Setup(); !s.ok()) return Fail(s, kExitFailure);
  std::printf("session %s... opened; %s\n", session.ShortHex().c_str(),
              c.run.mode == fl::RunMode::kHe
                  ? fmt::format("threshold key generated: any {} of {} sites can decrypt the "
                                "aggregate, no fewer; no one holds the key",
                                c.secure.threshold, handles.size())
                        .c_str()
                  : "sites enrolled");
  absl::Status run = (*engine)->Run(first_round, &observers);
  running.store(nullptr);
  if (!store_observer.status().ok()) {
    std::fprintf(stderr, "warning: run store: %s\n",
                 std::string(store_observer.status().message()).c_str());
  }
  if (signals.received() == 0) {
    (void)(*run_store)
        ->SetRunStatus(run_id, run.ok() || run.code() == absl::StatusCode::kFailedPrecondition
                                   ? store::RunStatus::kCompleted
                                   : store::RunStatus::kFailed);
  }
  if (dashboard != nullptr) dashboard->Stop();
  const auto traffic = (*server)->traffic();
  (*server)->Shutdown();
  if (signals.received() != 0) {
    std::printf("stopped by signal %d\n", signals.received());
    return 128 + signals.received();
  }
  if (!run.ok() && run.code() != absl::StatusCode::kFailedPrecondition) {
    return Fail(run, kExitFailure);
  }
  if (!run.ok()) std::printf("stopped: %s\n", std::string(run.message()).c_str());
  if (auto s = initial->SetParameters((*engine)->global_model()); !s.ok()) {
    return Fail(s, kExitFailure);
  }
  const std::string model_path = c.output.dir + "/model.pt";
  if (auto s = initial->SaveTorchScript(model_path); !s.ok()) return Fail(s, kExitFailure);
  std::printf("done: %d round(s) failed; %.1f MB in, %.1f MB out; metrics in %s; model in %s\n",
              reporter.failed_rounds(), static_cast<double>(traffic.bytes_in) / 1e6,
              static_cast<double>(traffic.bytes_out) / 1e6, (*log)->csv_path().c_str(),
              model_path.c_str());
  return reporter.failed_rounds() == static_cast<int>(c.run.rounds) ? kExitFailure : kExitOk;
}

}  // namespace

void AddCoordinatorCommand(CLI::App& app, CommandRegistry& registry) {
  auto args = std::make_shared<CoordinatorArgs>();
  CLI::App* cmd = app.add_subcommand("coordinator", "Run the coordinator of a networked run");
  cmd->add_option("--config", args->config, "Run configuration (TOML)")->required();
  cmd->add_option("--certs", args->certs, "Provisioned directory (overrides [network] certs_dir)");
  cmd->add_option("--listen", args->listen,
                  "host:port to listen on (overrides [network] coordinator_address)");
  cmd->add_option("--out", args->out, "Output directory (overrides [output] dir)");
  cmd->add_option("--wait", args->wait_s, "Seconds to wait for all sites")->capture_default_str();
  cmd->add_flag("--verbose", args->verbose, "Also log debug messages");
  registry.Register(cmd, [args] { return RunCoordinator(*args); });
}

}  // namespace fedcloak::cli
