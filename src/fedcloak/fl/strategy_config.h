// Which server-side strategy a run uses and its hyperparameters. Plain data: can be
// logged, compared and stored with the run; CreateStrategy (strategy.h) validates it.
#ifndef FEDCLOAK_FL_STRATEGY_CONFIG_H_
#define FEDCLOAK_FL_STRATEGY_CONFIG_H_

#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "absl/status/status.h"

namespace fedcloak::fl {

// Values are part of the strategy-state blob (the low byte of its kind): never renumber.
enum class StrategyKind : uint8_t {
  kFedAvg = 0,      // McMahan et al. 2017, with a server learning rate
  kFedAvgM = 1,     // Hsu et al. 2019, server momentum
  kFedProx = 2,     // Li et al. 2020: FedAvg on the server, proximal term on the sites
  kFedAdam = 3,     // Reddi et al. 2021, Algorithm 2
  kFedYogi = 4,     // Reddi et al. 2021, Algorithm 2
  kFedAdagrad = 5,  // Reddi et al. 2021, Algorithm 2
};

// "fedavg", "fedavgm", "fedprox", "fedadam", "fedyogi", "fedadagrad".
std::string_view StrategyKindName(StrategyKind kind);
std::optional<StrategyKind> StrategyKindFromName(std::string_view name);
// Every kind with its name, in StrategyKind order.
std::span<const std::pair<StrategyKind, std::string_view>> StrategyKindNames();

// True for FedAdam, FedYogi and FedAdagrad.
bool IsAdaptive(StrategyKind kind);

// Notation of Reddi et al.: x_{t+1} = x_t + eta * m_t / (sqrt(v_t) + tau).
struct StrategyConfig {
  StrategyKind kind = StrategyKind::kFedAvg;
  double server_lr = 1.0;        // eta. Every strategy.
  double server_momentum = 0.0;  // beta of FedAvgM, in [0, 1).
  double beta1 = 0.0;            // first-moment decay, adaptive strategies, in [0, 1).
  double beta2 = 0.0;            // second-moment decay, FedAdam and FedYogi, in [0, 1).
  double tau = 0.0;              // adaptivity, adaptive strategies, > 0.
  double mu = 0.0;               // FedProx proximal coefficient forwarded to sites, >= 0.

  // The defaults for `kind` (doc/configuration.md, [strategy]):
  //   fedavg      server_lr 1
  //   fedavgm     server_lr 1, server_momentum 0.9 (Hsu et al. 2019; Flower: 0.0)
  //   fedprox     server_lr 1, mu 0.01 (Li et al. 2020 tune mu in {0.001, 0.01, 0.1, 1})
  //   fedadam     server_lr 0.1,  beta1 0.9, beta2 0.99, tau 1e-9 (Flower's FedAdam)
  //   fedyogi     server_lr 0.01, beta1 0.9, beta2 0.99, tau 1e-3 (Flower's FedYogi)
  //   fedadagrad  server_lr 0.1,  beta1 0,                tau 1e-9 (Flower's FedAdagrad)
  // Fields a strategy does not use are 0.
  static StrategyConfig Defaults(StrategyKind kind);

  friend bool operator==(const StrategyConfig&, const StrategyConfig&) = default;
};

// Which fields `kind` uses, by their config key names ("server_lr", "server_momentum",
// "beta1", "beta2", "tau", "mu").
bool StrategyUsesField(StrategyKind kind, std::string_view field);

// InvalidArgument naming the field and value if a hyperparameter is non-finite or out
// of its range, or if a field the strategy does not use is non-zero.
absl::Status ValidateStrategyConfig(const StrategyConfig& config);

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_STRATEGY_CONFIG_H_
