// `fedcloak bench he|secagg|train|round`: whole-component benchmarks that print medians
// (and ratios where they compare against a baseline measured in the same run).
// `bench round-site` (hidden) is one site process of `bench round`.
#include <fmt/format.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>

#include "bench/he_bench.h"
#include "bench/round_bench.h"
#include "bench/secagg_bench.h"
#include "bench/synthetic_site.h"
#include "bench/train_bench.h"
#include "fedcloak/cli/commands.h"
#include "fedcloak/cli/signals.h"
#include "fedcloak/net/certificate_attestation.h"
#include "fedcloak/net/site_agent.h"
#include "fedcloak/net/tls_material.h"

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

struct RoundSiteArgs {
  std::string kit;
  std::string coordinator;
  size_t params = 0;
};

// One synthetic site of `bench round`: a real site agent (mutual TLS, the kit's
// certificate) whose training returns a synthetic update. Logs to stderr.
int RunRoundSite(const RoundSiteArgs& a) {
  auto kit = net::LoadSiteKit(a.kit);
  if (!kit.ok()) {
    std::fprintf(stderr, "bench round-site: %s\n", std::string(kit.status().message()).c_str());
    return kExitUsage;
  }
  const std::string site = kit->site_name;
  net::CertificateAttestor attestor(kit->Clone());
  const net::CertificateVerifier verifier(kit->tls.ca_certificate_pem);
  bench::SyntheticSiteHandler handler(site, a.params);
  handler.set_key_attestation(&attestor, &verifier);
  net::SiteAgentOptions o;
  o.kit = *std::move(kit);
  o.coordinator_address = a.coordinator;
  o.initial_backoff = absl::Milliseconds(50);
  o.max_backoff = absl::Milliseconds(500);
  o.logger = [site](net::LogLevel level, std::string_view m) {
    if (level == net::LogLevel::kDebug) return;
    std::fprintf(stderr, "[%s] %.*s\n", site.c_str(), static_cast<int>(m.size()), m.data());
  };
  auto agent = net::SiteAgent::Create(std::move(o), &handler);
  if (!agent.ok()) {
    std::fprintf(stderr, "bench round-site: %s\n", std::string(agent.status().message()).c_str());
    return kExitUsage;
  }
  SignalWaiter signals([&](int) { (*agent)->Stop(); });
  const absl::Status s = (*agent)->Run();
  if (!s.ok()) {
    std::fprintf(stderr, "[%s] stopped: %s\n", site.c_str(), std::string(s.message()).c_str());
    return kExitFailure;
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

  auto rb = std::make_shared<bench::RoundBenchOptions>();
  auto rb_json = std::make_shared<bool>(false);
  CLI::App* rb_cmd = bench->add_subcommand(
      "round",
      "One deployed round on loopback: coordinator + one process per site, mutual TLS, "
      "synthetic updates");
  rb_cmd->add_option("--sites", rb->sites, "Site processes")->capture_default_str();
  rb_cmd->add_option("--params", rb->params, "Parameters per update")->capture_default_str();
  rb_cmd->add_option("--mode", rb->mode, "plain, secagg or he")->capture_default_str();
  rb_cmd
      ->add_option("--threshold", rb->threshold, "t (he: default ceil(2n/3); secagg: 0 derives it)")
      ->capture_default_str();
  rb_cmd->add_option("--rounds", rb->rounds, "Timed rounds (the median is reported)")
      ->capture_default_str();
  rb_cmd->add_option("--work-dir", rb->work_dir,
                     "Keep the PKI and site logs here (default: a temporary directory)");
  rb_cmd->add_flag("--json", *rb_json, "Print one JSON object");
  registry.Register(rb_cmd, [rb, rb_json] {
    std::error_code ec;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) {
      std::fprintf(stderr, "fedcloak bench round: cannot find this program: %s\n",
                   ec.message().c_str());
      return kExitFailure;
    }
    rb->site_command = {self.string(), "bench", "round-site"};
    return Print(bench::RunRoundBenchmark(*rb), *rb_json, "round");
  });

  auto rs = std::make_shared<RoundSiteArgs>();
  CLI::App* rs_cmd = bench->add_subcommand("round-site", "One site process of `bench round`");
  rs_cmd->group("");  // internal: started by `bench round`
  rs_cmd->add_option("--kit", rs->kit, "The site's startup kit")->required();
  rs_cmd->add_option("--coordinator", rs->coordinator, "host:port")->required();
  rs_cmd->add_option("--params", rs->params, "Parameters of the synthetic update")->required();
  registry.Register(rs_cmd, [rs] { return RunRoundSite(*rs); });
}

}  // namespace fedcloak::cli
