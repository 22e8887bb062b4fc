// `fedcloak bench he|secagg|train`: whole-component benchmarks that print medians (and
// ratios where they compare against a baseline measured in the same run).
#include <cstdio>
#include <memory>

#include "bench/he_bench.h"
#include "bench/secagg_bench.h"
#include "bench/train_bench.h"
#include "fedcloak/cli/commands.h"

namespace fedcloak::cli {
namespace {

int Print(const absl::StatusOr<nlohmann::json>& result, bool json, const char* what) {
  if (!result.ok()) {
    std::fprintf(stderr, "fedcloak bench %s: %s\n", what,
                 std::string(result.status().message()).c_str());
    return result.status().code() == absl::StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  if (json) {
    std::printf("%s\n", result->dump().c_str());
  } else {
    for (const auto& [key, value] : result->items()) {
      std::printf("%-24s %s\n", key.c_str(), value.dump().c_str());
    }
  }
  return kExitOk;
}

}  // namespace

void AddBenchCommand(CLI::App& app, CommandRegistry& registry) {
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks (medians; --json for one object)");
  bench->require_subcommand(1);

  auto he = std::make_shared<bench::HeBenchOptions>();
  auto he_json = std::make_shared<bool>(false);
  CLI::App* he_cmd = bench->add_subcommand(
      "he", "Threshold HE: encrypt, load, aggregate, decryption share, combine");
  he_cmd->add_option("--params", he->params, "Parameters per update")->capture_default_str();
  he_cmd->add_option("--sites", he->sites, "Sites")->capture_default_str();
  he_cmd->add_option("--threshold", he->threshold, "Decryption threshold t")->capture_default_str();
  he_cmd->add_option("--repetitions", he->repetitions, "Timed repetitions")->capture_default_str();
  he_cmd->add_flag("--json", *he_json, "Print one JSON object");
  registry.Register(he_cmd,
                    [he, he_json] { return Print(bench::RunHeBenchmark(*he), *he_json, "he"); });

  auto sa = std::make_shared<bench::SecAggBenchOptions>();
  auto sa_json = std::make_shared<bool>(false);
  CLI::App* sa_cmd =
      bench->add_subcommand("secagg", "SecAgg+: client masking and server unmasking");
  sa_cmd->add_option("--params", sa->params, "Parameters per update")->capture_default_str();
  sa_cmd->add_option("--sites", sa->sites, "Sites")->capture_default_str();
  sa_cmd->add_option("--dropout", sa->dropout, "Fraction of sites that drop")
      ->capture_default_str();
  sa_cmd->add_option("--repetitions", sa->repetitions, "Timed repetitions")->capture_default_str();
  sa_cmd->add_flag("--json", *sa_json, "Print one JSON object");
  registry.Register(
      sa_cmd, [sa, sa_json] { return Print(bench::RunSecAggBenchmark(*sa), *sa_json, "secagg"); });

  auto tr = std::make_shared<bench::TrainBenchOptions>();
  auto tr_json = std::make_shared<bool>(false);
  CLI::App* tr_cmd = bench->add_subcommand(
      "train", "Local training throughput against a bare libtorch loop in the same run");
  tr_cmd->add_option("--model", tr->model, "cnn, mcmahan-cnn or mlp")->capture_default_str();
  tr_cmd->add_option("--dataset", tr->dataset, "fashion-mnist or heart")->capture_default_str();
  tr_cmd->add_option("--batch-size", tr->batch_size, "Batch size")->capture_default_str();
  tr_cmd->add_option("--threads", tr->threads, "libtorch threads")->capture_default_str();
  tr_cmd->add_option("--samples", tr->samples, "Examples per timed run")->capture_default_str();
  tr_cmd->add_option("--repetitions", tr->repetitions, "Timed runs")->capture_default_str();
  tr_cmd->add_flag("--json", *tr_json, "Print one JSON object");
  registry.Register(
      tr_cmd, [tr, tr_json] { return Print(bench::RunTrainBenchmark(*tr), *tr_json, "train"); });
}

}  // namespace fedcloak::cli
