// Subcommands of the fedcloak CLI. Each Add*Command registers a subcommand on `app` and
// the action to run when it is chosen; main() parses and then runs the chosen action.
#ifndef FEDCLOAK_CLI_COMMANDS_H_
#define FEDCLOAK_CLI_COMMANDS_H_

#include <functional>
#include <utility>

#include "CLI/CLI.hpp"

namespace fedcloak::cli {

// Process exit codes of the CLI.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the job ran and failed
inline constexpr int kExitUsage = 2;    // bad arguments or configuration

// Holds the action of the subcommand that parsing selected.
class CommandRegistry {
 public:
  // Registers `action` to run if `command` was given on the command line.
  void Register(CLI::App* command, std::function<int()> action) {
    command->callback([this, action = std::move(action)] { action_ = action; });
  }
  int Run() const { return action_ ? action_() : kExitUsage; }

 private:
  std::function<int()> action_;
};

void AddVersionCommand(CLI::App& app, CommandRegistry& registry);
void AddSimulateCommand(CLI::App& app, CommandRegistry& registry);
void AddPrivacyCommand(CLI::App& app, CommandRegistry& registry);
void AddBenchCommand(CLI::App& app, CommandRegistry& registry);
void AddPlotCommand(CLI::App& app, CommandRegistry& registry);
void AddProvisionCommand(CLI::App& app, CommandRegistry& registry);
void AddCoordinatorCommand(CLI::App& app, CommandRegistry& registry);
void AddClientCommand(CLI::App& app, CommandRegistry& registry);
// `status` and `export`.
void AddStoreCommands(CLI::App& app, CommandRegistry& registry);

}  // namespace fedcloak::cli

#endif  // FEDCLOAK_CLI_COMMANDS_H_
