// `fedcloak status --store PATH [--run ID]` and `fedcloak export --store PATH --run ID
// --out DIR`: what a run store holds, as tables, CSV, a PNG chart and the model.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "fedcloak/cli/commands.h"
#include "fedcloak/cli/ml_learner.h"
#include "fedcloak/cli/run_setup.h"
#include "fedcloak/cli/session_description.h"
#include "fedcloak/store/metrics_export.h"
#include "fedcloak/store/run_store.h"

namespace fedcloak::cli {
namespace {

struct StoreArgs {
  std::string store;
  int64_t run = 0;
  std::string out;
};

int Fail(const char* cmd, const absl::Status& s) {
  std::fprintf(stderr, "fedcloak %s: %s\n", cmd, std::string(s.message()).c_str());
  return s.code() == absl::StatusCode::kNotFound || s.code() == absl::StatusCode::kInvalidArgument
             ? kExitUsage
             : kExitFailure;
}

std::string Metric(const std::optional<fl::LocalMetrics>& m) {
  if (!m) return "-";
  std::string s = fmt::format("{:.4f}", m->accuracy);
  if (m->auc) s += fmt::format(" / {:.4f}", *m->auc);
  return s;
}

absl::StatusOr<std::unique_ptr<store::RunStore>> OpenReadOnly(const std::string& path) {
  store::StoreOptions o;
  o.create_if_missing = false;
  o.read_only = true;
  return store::RunStore::Open(path, o);
}

int RunStatus(const StoreArgs& a) {
  auto s = OpenReadOnly(a.store);
  if (!s.ok()) return Fail("status", s.status());
  if (a.run == 0) {
    auto runs = (*s)->ListRuns();
    if (!runs.ok()) return Fail("status", runs.status());
    std::printf("%-5s %-24s %-7s %-10s %-21s %7s %9s\n", "run", "name", "mode", "status", "created",
                "rounds", "accuracy");
    for (const auto& r : *runs) {
      std::printf("%-5lld %-24s %-7s %-10s %-21s %7llu %9s\n", static_cast<long long>(r.info.id),
                  r.info.name.c_str(), r.info.mode.c_str(),
                  std::string(store::RunStatusName(r.info.status)).c_str(), r.info.created.c_str(),
                  static_cast<unsigned long long>(r.rounds_recorded),
                  r.last_accuracy ? fmt::format("{:.4f}", *r.last_accuracy).c_str() : "-");
    }
    return kExitOk;
  }
  auto rounds = (*s)->ListRounds(a.run);
  if (!rounds.ok()) return Fail("status", rounds.status());
  std::printf("%-6s %-7s %5s %9s %9s %10s %-17s %-17s %9s\n", "round", "status", "sites",
              "dropouts", "seconds", "train", "federated acc/auc", "central acc/auc", "epsilon");
  for (const auto& r : *rounds) {
    std::printf("%-6llu %-7s %2zu/%-2zu %9zu %9.2f %10s %-17s %-17s %9s\n",
                static_cast<unsigned long long>(r.round), r.ok ? "ok" : "failed",
                r.survivors.size(), r.selected.size(), r.dropouts.size(), r.seconds,
                r.train_loss ? fmt::format("{:.4f}", *r.train_loss).c_str() : "-",
                Metric(r.federated).c_str(), Metric(r.central).c_str(),
                r.privacy ? fmt::format("{:.3f}", r.privacy->epsilon).c_str() : "-");
  }
  return kExitOk;
}

int RunExport(const StoreArgs& a) {
  auto s = OpenReadOnly(a.store);
  if (!s.ok()) return Fail("export", s.status());
  auto info = (*s)->GetRun(a.run);
  if (!info.ok()) return Fail("export", info.status());
  // Read everything before writing anything: a failure leaves --out untouched.
  auto checkpoint = (*s)->LoadLatestCheckpoint(a.run);
  if (!checkpoint.ok()) return Fail("export", checkpoint.status());
  auto config = fl::ParseRunConfig(info->config, fmt::format("run {} of {}", a.run, a.store));
  if (!config.ok()) return Fail("export", config.status());
  std::vector<int64_t> shape;
  int64_t classes = 0;
  if (auto st = KnownDataShape(*config, &shape, &classes); !st.ok()) return Fail("export", st);
  auto model = BuildModel(ModelSourceFor(*config, shape, classes));
  if (!model.ok()) return Fail("export", model.status());
  if (auto st = model->SetParameters(checkpoint->model); !st.ok()) return Fail("export", st);
  auto files = store::ExportRunMetrics(**s, a.run, a.out);
  if (!files.ok()) return Fail("export", files.status());
  const std::string model_path = a.out + "/model.pt";
  if (auto st = model->SaveTorchScript(model_path); !st.ok()) return Fail("export", st);
  std::printf("run %lld (\"%s\", round %llu): %s, %s, %s\n", static_cast<long long>(a.run),
              info->name.c_str(), static_cast<unsigned long long>(checkpoint->round),
              model_path.c_str(), files->csv.c_str(), files->png.c_str());
  return kExitOk;
}

}  // namespace

void AddStoreCommands(CLI::App& app, CommandRegistry& registry) {
  auto status = std::make_shared<StoreArgs>();
  CLI::App* st = app.add_subcommand("status", "Show the runs and rounds of a run store");
  st->add_option("--store", status->store, "Run store (SQLite file)")->required();
  st->add_option("--run", status->run, "Show the rounds of this run");
  registry.Register(st, [status] { return RunStatus(*status); });

  auto exp = std::make_shared<StoreArgs>();
  CLI::App* ex = app.add_subcommand(
      "export", "Write a run's final model (TorchScript), metrics (CSV) and chart (PNG)");
  ex->add_option("--store", exp->store, "Run store (SQLite file)")->required();
  ex->add_option("--run", exp->run, "Run id (see status)")->required();
  ex->add_option("--out", exp->out, "Output directory")->required();
  registry.Register(ex, [exp] { return RunExport(*exp); });
}

}  // namespace fedcloak::cli
