// `fedcloak simulate --config run.toml`: many virtual sites in one process.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <thread>

#include "fedcloak/base/secure_random.h"
#include "fedcloak/cli/commands.h"
#include "fedcloak/cli/ml_learner.h"
#include "fedcloak/cli/run_data.h"
#include "fedcloak/cli/run_setup.h"
#include "fedcloak/fl/simulation.h"
#include "fedcloak/fl/strategy.h"
#include "fedcloak/ml/evaluate.h"
#include "fedcloak/ml/torch_runtime.h"
#include "fedcloak/ml/trainer.h"

namespace fedcloak::cli {
namespace {

struct SimulateArgs {
  std::string config;
  std::string out;
  int64_t rounds = 0;
  bool central_baseline = false;
};

// Trains the same model on the pooled training data of all sites (what a central data
// lake would do, and what federation avoids) for as many epochs as one site trains over
// the whole run, and evaluates it on the central test set.
absl::StatusOr<ml::EvalMetrics> CentralBaseline(const fl::RunConfig& c, const ModelSource& source,
                                                const RunData& data) {
  if (data.central_test == nullptr) {
    return absl::FailedPreconditionError("no central test set for the baseline");
  }
  auto model = BuildModel(source);
  if (!model.ok()) return model.status();
  ml::TrainConfig tc;
  tc.optimizer = c.train.optimizer == fl::OptimizerKind::kAdam ? "adam" : "sgd";
  tc.learning_rate = c.train.lr;
  tc.momentum = c.train.optimizer == fl::OptimizerKind::kAdam ? 0.0 : c.train.momentum;
  tc.epochs = static_cast<int>(c.train.epochs * c.run.rounds);
  tc.batch_size = static_cast<int>(c.train.batch_size);
  tc.seed = c.run.seed;
  tc.threads = -1;
  auto trainer = ml::Trainer::Create(tc);
  if (!trainer.ok()) return trainer.status();
  auto trained = trainer->Train(*model, *data.pooled_train);
  if (!trained.ok()) return trained.status();
  return ml::Evaluate(*model, *data.central_test);
}

int Fail(const absl::Status& s, int code) {
  std::fprintf(stderr, "fedcloak simulate: %s\n", std::string(s.message()).c_str());
  return code;
}

int RunSimulate(const SimulateArgs& args) {
  auto config = fl::LoadRunConfig(args.config);
  if (!config.ok()) return Fail(config.status(), kExitUsage);
  fl::RunConfig& c = *config;
  if (args.rounds > 0) c.run.rounds = static_cast<uint32_t>(args.rounds);
  if (!args.out.empty()) c.output.dir = args.out;

  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const size_t workers = c.simulation.workers == 0 ? cores : c.simulation.workers;
  // libtorch's thread pool is process-wide: share the cores among the workers.
  const int torch_threads = c.train.threads != 0
                                ? static_cast<int>(c.train.threads)
                                : static_cast<int>(std::max<size_t>(1, cores / workers));
  if (auto s = ml::SetTorchThreads(torch_threads); !s.ok()) return Fail(s, kExitFailure);

  std::printf("fedcloak simulate: run \"%s\", mode %s, %u sites, %u rounds, strategy %s\n",
              c.run.name.c_str(), std::string(fl::RunModeName(c.run.mode)).c_str(),
              c.data.num_sites, c.run.rounds,
              std::string(fl::StrategyKindName(c.strategy.kind)).c_str());
  if (c.run.mode == fl::RunMode::kPlain) {
    std::printf("note: mode \"plain\" is a baseline; the coordinator sees every update.\n");
  }
  auto data = LoadRunData(c);
  if (!data.ok()) return Fail(data.status(), kExitFailure);
  const ModelSource source = ModelSourceFor(c, data->input_shape, data->num_classes);
  auto initial = BuildModel(source);
  if (!initial.ok()) return Fail(initial.status(), kExitFailure);
  std::printf("data: %zu training examples over %zu sites; model %s with %zu parameters\n",
              data->pooled_train->num_examples(), data->site_train.size(),
              initial->architecture().c_str(), initial->num_parameters());

  ml::TrainConfig base;
  base.optimizer = c.train.optimizer == fl::OptimizerKind::kAdam ? "adam" : "sgd";
  base.threads = -1;  // set once above
  if (c.dp.enabled && c.dp.mechanism == fl::DpMechanism::kDpSgd) {
    base.dp_clip_norm = c.dp.clip_norm;
    base.dp_noise_multiplier = c.dp.noise_multiplier;
  }
  fl::SimulationOptions so;
  so.num_sites = data->site_train.size();
  so.dropout = c.simulation.dropout;
  so.seed = c.run.seed;
  SessionId session;
  DefaultRandom().Fill(session.bytes);
  auto sim = fl::Simulation::Create(
      so,
      [&](size_t i) -> absl::StatusOr<std::unique_ptr<fl::LocalLearner>> {
        auto l = MlLearner::Create(source, data->site_train[i], data->site_test[i], base);
        if (!l.ok()) return l.status();
        return std::unique_ptr<fl::LocalLearner>(std::move(*l));
      },
      session);
  if (!sim.ok()) return Fail(sim.status(), kExitFailure);

  auto strategy = fl::CreateStrategy(c.strategy);
  if (!strategy.ok()) return Fail(strategy.status(), kExitUsage);
  auto aggregation = AggregationFor(c);
  if (!aggregation.ok()) return Fail(aggregation.status(), kExitUsage);
  fl::WorkerPool pool(workers);
  fl::EngineOptions options = EngineOptionsFor(c, data->pooled_train->num_examples());
  size_t smallest_site = data->site_train[0]->num_examples();
  for (const auto& d : data->site_train) smallest_site = std::min(smallest_site, d->num_examples());
  auto accountant = PrivacyAccountantFor(c, initial->num_parameters(), smallest_site, &options);
  if (!accountant.ok()) return Fail(accountant.status(), kExitUsage);
  auto engine = fl::Engine::Create(options, (*sim)->sites(), std::move(*aggregation),
                                   std::move(*strategy), initial->GetParameters(), session, &pool);
  if (!engine.ok()) return Fail(engine.status(), kExitUsage);
  if (accountant->has_value()) (*engine)->set_privacy_accountant(&**accountant);

  auto log =
      fl::MetricsLog::Open(c.output.dir, c.run.name, std::string(fl::RunModeName(c.run.mode)));
  if (!log.ok()) return Fail(log.status(), kExitFailure);
  std::function<std::optional<fl::LocalMetrics>(std::span<const float>)> central;
  if (c.simulation.central_eval && data->central_test != nullptr) {
    central = [&](std::span<const float> params) -> std::optional<fl::LocalMetrics> {
      auto model = BuildModel(source);
      if (!model.ok() || !model->SetParameters(params).ok()) return std::nullopt;
      auto m = ml::Evaluate(*model, *data->central_test);
      if (!m.ok()) return std::nullopt;
      return ToLocalMetrics(*m);
    };
  }
  ConsoleReporter reporter(c.run.rounds, log->get(), central);
  if (auto s = (*engine)->Setup(); !s.ok()) return Fail(s, kExitFailure);
  bool budget_stop = false;
  if (auto s = (*engine)->Run(1, &reporter); !s.ok()) {
    if (s.code() != absl::StatusCode::kFailedPrecondition || !accountant->has_value()) {
      return Fail(s, kExitFailure);
    }
    std::printf("stopped: %s\n", std::string(s.message()).c_str());
    budget_stop = true;
  }

  const std::string model_path = c.output.dir + "/model.pt";
  if (auto s = initial->SetParameters((*engine)->global_model()); !s.ok()) {
    return Fail(s, kExitFailure);
  }
  if (auto s = initial->SaveTorchScript(model_path); !s.ok()) return Fail(s, kExitFailure);
  if (args.central_baseline) {
    auto central_metrics = CentralBaseline(c, source, *data);
    if (!central_metrics.ok()) return Fail(central_metrics.status(), kExitFailure);
    const fl::LocalMetrics fed = reporter.last_central().value_or(fl::LocalMetrics{});
    const fl::LocalMetrics cen = ToLocalMetrics(*central_metrics);
    std::printf("\ncomparison on the held-out test set (%llu examples):\n",
                static_cast<unsigned long long>(cen.num_examples));
    std::printf("  federated (%s, data never left the sites): %s\n",
                std::string(fl::RunModeName(c.run.mode)).c_str(), FormatMetrics(fed).c_str());
    std::printf("  centralized (all data pooled in one place): %s\n", FormatMetrics(cen).c_str());
  }
  std::printf("done: %s; metrics in %s and %s; model (TorchScript) in %s\n",
              budget_stop ? "stopped by the privacy budget"
              : reporter.failed_rounds() == 0
                  ? "all rounds completed"
                  : fmt::format("{} round(s) failed", reporter.failed_rounds()).c_str(),
              (*log)->csv_path().c_str(), (*log)->json_path().c_str(), model_path.c_str());
  return kExitOk;
}

}  // namespace

void AddSimulateCommand(CLI::App& app, CommandRegistry& registry) {
  auto args = std::make_shared<SimulateArgs>();
  CLI::App* cmd = app.add_subcommand("simulate", "Run many virtual sites in one process");
  cmd->add_option("--config", args->config, "Run configuration (TOML)")->required();
  cmd->add_option("--out", args->out, "Output directory (overrides [output] dir)");
  cmd->add_option("--rounds", args->rounds, "Number of rounds (overrides [run] rounds)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--central-baseline", args->central_baseline,
                "Also train on the pooled data and compare on the held-out test set");
  registry.Register(cmd, [args] { return RunSimulate(*args); });
}

}  // namespace fedcloak::cli
