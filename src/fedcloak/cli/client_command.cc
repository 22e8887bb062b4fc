// `fedcloak client --kit DIR --data PATH`: a site's agent. Connects outbound to the
// coordinator named in its kit, and serves the run's tasks on its own data. The model
// and the data format come from the coordinator when a session opens.
#include <fmt/format.h>

#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>

#include "fedcloak/base/status.h"
#include "fedcloak/cli/commands.h"
#include "fedcloak/cli/ml_learner.h"
#include "fedcloak/cli/run_data.h"
#include "fedcloak/cli/session_description.h"
#include "fedcloak/cli/signals.h"
#include "fedcloak/fl/secure_messages.h"
#include "fedcloak/fl/site_runtime.h"
#include "fedcloak/ml/torch_runtime.h"
#include "fedcloak/net/certificate_attestation.h"
#include "fedcloak/net/logger.h"
#include "fedcloak/net/site_agent.h"
#include "fedcloak/net/tls_material.h"

namespace fedcloak::cli {
namespace {

struct ClientArgs {
  std::string kit;
  std::string data;
  std::string coordinator;
  int threads = 0;
  bool verbose = false;
};

void LogLine(const std::string& site, const std::string& message) {
  const std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%H:%M:%S", std::localtime(&now));
  std::fprintf(stderr, "%s [%s] %s\n", stamp, site.c_str(), message.c_str());
}

// Builds the site's learner and protocol runtime when the coordinator opens a session,
// and hands every later task to that runtime.
class ClientTaskHandler final : public fl::TaskHandler {
 public:
  // The kit's certificate attests this site's enrolled keys, and its CA checks those of
  // the other sites (net/certificate_attestation.h).
  ClientTaskHandler(const net::SiteKit& kit, std::string data_path)
      : site_(kit.site_name),
        data_path_(std::move(data_path)),
        attestor_(kit.Clone()),
        verifier_(kit.tls.ca_certificate_pem) {}

  absl::StatusOr<fl::TaskResult> Handle(const fl::Task& task) override {
    if (task.kind == fl::TaskKind::kEnroll) {
      FEDCLOAK_ASSIGN_OR_RETURN(auto start, fl::DecodeSessionStart(task.payload));
      if (runtime_ == nullptr || !(start.first == session_)) {
        FEDCLOAK_RETURN_IF_ERROR(OpenSession(start.first, start.second));
      }
    }
    if (runtime_ == nullptr) {
      return absl::FailedPreconditionError(
          fmt::format("site {} has no session yet (task {})", site_, fl::TaskKindName(task.kind)));
    }
    auto result = runtime_->Handle(task);
    if (!result.ok()) {
      LogLine(site_, fmt::format("task {} of round {} refused: {}", fl::TaskKindName(task.kind),
                                 task.round, std::string(result.status().message())));
    }
    return result;
  }

 private:
  absl::Status OpenSession(const SessionId& session, const std::string& description) {
    FEDCLOAK_ASSIGN_OR_RETURN(SessionDescription d, ParseSessionDescription(description));
    FEDCLOAK_ASSIGN_OR_RETURN(RunData data, LoadSiteData(d.config, data_path_));
    ml::TrainConfig base;
    base.optimizer = d.config.train.optimizer == fl::OptimizerKind::kAdam ? "adam" : "sgd";
    base.threads = -1;
    if (d.config.dp.enabled) {
      base.dp_clip_norm = d.config.dp.clip_norm;
      base.dp_noise_multiplier = d.config.dp.noise_multiplier;
    }
    FEDCLOAK_ASSIGN_OR_RETURN(
        std::unique_ptr<MlLearner> learner,
        MlLearner::Create(d.model, data.site_train[0], data.site_test[0], base));
    runtime_.reset();
    learner_ = std::move(learner);
    session_ = session;
    // The index only perturbs the local training seed; derive it from the name.
    const auto index = static_cast<uint32_t>(std::hash<std::string>{}(site_)&0xffff);
    runtime_ = std::make_unique<fl::SiteRuntime>(fl::SiteIdentity{site_, index}, session,
                                                 learner_.get(), &DefaultRandom());
    runtime_->set_key_attestation(&attestor_, &verifier_);
    LogLine(site_,
            fmt::format("session {}... opened: run \"{}\", {} training and {} test "
                        "examples, model {} with {} parameters",
                        session.ShortHex(), d.config.run.name, data.site_train[0]->num_examples(),
                        data.site_test[0]->num_examples(), d.model.spec.architecture,
                        learner_->num_parameters()));
    return absl::OkStatus();
  }

  std::string site_;
  std::string data_path_;
  net::CertificateAttestor attestor_;
  net::CertificateVerifier verifier_;
  SessionId session_;
  std::unique_ptr<MlLearner> learner_;
  std::unique_ptr<fl::SiteRuntime> runtime_;
};

int RunClient(const ClientArgs& a) {
  auto kit = net::LoadSiteKit(a.kit);
  if (!kit.ok()) {
    std::fprintf(stderr, "fedcloak client: %s\n", std::string(kit.status().message()).c_str());
    return kExitUsage;
  }
  if (auto s = ml::SetTorchThreads(a.threads); !s.ok()) return kExitUsage;
  const std::string site = kit->site_name;
  net::Logger logger = [site, verbose = a.verbose](net::LogLevel level, std::string_view m) {
    if (level == net::LogLevel::kDebug && !verbose) return;
    LogLine(site, std::string(m));
  };
  net::RouteGrpcLogsTo(logger);
  ClientTaskHandler handler(*kit, a.data);
  net::SiteAgentOptions o;
  o.kit = *std::move(kit);
  o.coordinator_address = a.coordinator;
  o.logger = logger;
  auto agent = net::SiteAgent::Create(std::move(o), &handler);
  if (!agent.ok()) {
    std::fprintf(stderr, "fedcloak client: %s\n", std::string(agent.status().message()).c_str());
    return kExitUsage;
  }
  SignalWaiter signals([&](int) { (*agent)->Stop(); });
  LogLine(site, "connecting to the coordinator");
  absl::Status s = (*agent)->Run();
  if (!s.ok()) {
    LogLine(site, fmt::format("stopped: {}", std::string(s.message())));
    return kExitFailure;
  }
  LogLine(site, signals.received() != 0 ? "stopped by signal" : "stopped");
  return kExitOk;
}

}  // namespace

void AddClientCommand(CLI::App& app, CommandRegistry& registry) {
  auto args = std::make_shared<ClientArgs>();
  CLI::App* cmd =
      app.add_subcommand("client", "Run a site's agent (connects out to the coordinator)");
  cmd->add_option("--kit", args->kit, "The site's startup kit directory (from provision)")
      ->required();
  cmd->add_option("--data", args->data, "The site's data file (format set by the run)")->required();
  cmd->add_option("--coordinator", args->coordinator,
                  "host:port of the coordinator (overrides the kit)");
  cmd->add_option("--threads", args->threads, "libtorch threads (0 = all cores)")
      ->capture_default_str();
  cmd->add_flag("--verbose", args->verbose, "Also log debug messages");
  registry.Register(cmd, [args] { return RunClient(*args); });
}

}  // namespace fedcloak::cli
