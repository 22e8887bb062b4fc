// fedcloak: the one command-line entry point. Library code never prints; this file and
// the *_command.cc files beside it are where output happens.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "CLI/CLI.hpp"
#include "fedcloak/cli/commands.h"
#include "fedcloak/version.h"

int main(int argc, char** argv) {
  // OpenMP threads (libtorch) spin while waiting by default, which on a shared machine
  // costs 10x in training throughput; a user's explicit setting wins.
  setenv("OMP_WAIT_POLICY", "PASSIVE", /*overwrite=*/0);
  CLI::App app{
      "fedcloak: federated learning with encrypted aggregation.\n"
      "Sites train locally; only encrypted or masked updates travel; the coordinator\n"
      "learns nothing but the aggregate."};
  app.set_version_flag("--version", std::string(fedcloak::kVersionString));
  app.require_subcommand(1);

  fedcloak::cli::CommandRegistry registry;
  fedcloak::cli::AddProvisionCommand(app, registry);
  fedcloak::cli::AddCoordinatorCommand(app, registry);
  fedcloak::cli::AddClientCommand(app, registry);
  fedcloak::cli::AddStoreCommands(app, registry);
  fedcloak::cli::AddVersionCommand(app, registry);
  fedcloak::cli::AddSimulateCommand(app, registry);
  fedcloak::cli::AddPrivacyCommand(app, registry);
  fedcloak::cli::AddBenchCommand(app, registry);
  fedcloak::cli::AddPlotCommand(app, registry);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return registry.Run();
}
