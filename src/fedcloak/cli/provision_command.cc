// `fedcloak provision`: the federation's CA, the coordinator's certificate and one
// startup kit per site.
#include <cstdio>
#include <memory>

#include "fedcloak/cli/commands.h"
#include "fedcloak/net/provision.h"

namespace fedcloak::cli {
namespace {

struct ProvisionArgs {
  std::vector<std::string> sites;
  std::vector<std::string> hosts;
  std::string out;
  uint16_t port = 7443;
  std::string federation = "federation";
};

int RunProvision(const ProvisionArgs& a) {
  net::ProvisionOptions o;
  o.output_dir = a.out;
  o.sites = a.sites;
  o.coordinator_hosts = a.hosts;
  o.coordinator_port = a.port;
  o.federation_name = a.federation;
  auto result = net::Provision(o);
  if (!result.ok()) {
    std::fprintf(stderr, "fedcloak provision: %s\n",
                 std::string(result.status().message()).c_str());
    return result.status().code() == absl::StatusCode::kInvalidArgument ||
                   result.status().code() == absl::StatusCode::kAlreadyExists
               ? kExitUsage
               : kExitFailure;
  }
  std::printf("CA:          %s (keep %s/ca/ca.key offline)\n", result->ca_certificate.c_str(),
              a.out.c_str());
  std::printf("coordinator: %s\n", result->coordinator_dir.c_str());
  for (const auto& [name, dir] : result->kits) {
    std::printf("site kit:    %-12s %s\n", name.c_str(), dir.c_str());
  }
  return kExitOk;
}

}  // namespace

void AddProvisionCommand(CLI::App& app, CommandRegistry& registry) {
  auto args = std::make_shared<ProvisionArgs>();
  CLI::App* cmd = app.add_subcommand(
      "provision", "Create the federation's CA, the coordinator certificate and site kits");
  cmd->add_option("--sites", args->sites, "Site names (comma-separated)")
      ->required()
      ->delimiter(',');
  cmd->add_option("--coordinator-host", args->hosts,
                  "Host names or addresses of the coordinator (comma-separated)")
      ->required()
      ->delimiter(',');
  cmd->add_option("--out", args->out, "Output directory")->required();
  cmd->add_option("--port", args->port, "Coordinator port written into the kits")
      ->capture_default_str();
  cmd->add_option("--federation", args->federation, "Federation name (in the CA's name)")
      ->capture_default_str();
  registry.Register(cmd, [args] { return RunProvision(*args); });
}

}  // namespace fedcloak::cli
