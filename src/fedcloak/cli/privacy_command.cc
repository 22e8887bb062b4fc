// `fedcloak privacy`: plan a DP-SGD run (epsilon for a sampling rate, noise multiplier,
// number of steps and delta), from the RDP accountant of module dp.
#include <cstdio>
#include <memory>

#include "fedcloak/cli/commands.h"
#include "fedcloak/dp/privacy_budget.h"

namespace fedcloak::cli {
namespace {

struct PrivacyArgs {
  double sampling_rate = 0;
  double noise_multiplier = 0;
  uint64_t steps = 0;
  double delta = 1e-5;
  bool json = false;
};

int RunPrivacy(const PrivacyArgs& a) {
  auto report = dp::ComputeDpSgdPrivacy(a.sampling_rate, a.noise_multiplier, a.steps, a.delta);
  if (!report.ok()) {
    std::fprintf(stderr, "fedcloak privacy: %s\n", std::string(report.status().message()).c_str());
    return kExitUsage;
  }
  if (a.json) {
    std::printf(
        "{\"epsilon\": %.6f, \"delta\": %g, \"best_order\": %g, \"sampling_rate\": %g, "
        "\"noise_multiplier\": %g, \"steps\": %llu}\n",
        report->epsilon, report->delta, report->best_order, report->sampling_rate,
        report->noise_multiplier, static_cast<unsigned long long>(report->steps));
  } else {
    std::printf("epsilon = %.4f at delta = %g (best RDP order %g)\n", report->epsilon,
                report->delta, report->best_order);
    std::printf("for %llu steps of the Poisson-subsampled Gaussian, q = %g, z = %g\n",
                static_cast<unsigned long long>(report->steps), report->sampling_rate,
                report->noise_multiplier);
  }
  return kExitOk;
}

}  // namespace

void AddPrivacyCommand(CLI::App& app, CommandRegistry& registry) {
  auto args = std::make_shared<PrivacyArgs>();
  CLI::App* cmd = app.add_subcommand(
      "privacy", "Compute epsilon of DP-SGD (RDP accountant) for planning a run");
  cmd->add_option("--sampling-rate", args->sampling_rate, "Sampling rate q (batch / data size)")
      ->required();
  cmd->add_option("--noise-multiplier", args->noise_multiplier, "Noise multiplier z")->required();
  cmd->add_option("--steps", args->steps, "Number of noisy steps T")->required();
  cmd->add_option("--delta", args->delta, "Target delta")->capture_default_str();
  cmd->add_flag("--json", args->json, "Print one JSON object");
  registry.Register(cmd, [args] { return RunPrivacy(*args); });
}

}  // namespace fedcloak::cli
