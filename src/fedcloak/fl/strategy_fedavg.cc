#include "fedcloak/fl/strategy_fedavg.h"

#include <string>

#include "fedcloak/base/check.h"

namespace fedcloak::fl {

FedAvgStrategy::FedAvgStrategy(const StrategyConfig& config) : Strategy(config) {
  FEDCLOAK_CHECK(config.kind == StrategyKind::kFedAvg || config.kind == StrategyKind::kFedProx);
}

std::string_view FedAvgStrategy::name() const { return StrategyKindName(config().kind); }

ClientHints FedAvgStrategy::client_hints() const {
  if (config().kind != StrategyKind::kFedProx) return {};
  return ClientHints{{std::string(kProximalMuHint), config().mu}};
}

void FedAvgStrategy::Step(std::span<const float> global, std::span<const double> delta,
                          std::vector<std::vector<double>>& /*state*/,
                          std::vector<double>& out) const {
  const double eta = config().server_lr;
  for (size_t i = 0; i < global.size(); ++i) out[i] = global[i] + eta * delta[i];
}

FedAvgMStrategy::FedAvgMStrategy(const StrategyConfig& config) : Strategy(config) {
  FEDCLOAK_CHECK(config.kind == StrategyKind::kFedAvgM);
}

std::string_view FedAvgMStrategy::name() const { return StrategyKindName(config().kind); }

void FedAvgMStrategy::Step(std::span<const float> global, std::span<const double> delta,
                           std::vector<std::vector<double>>& state,
                           std::vector<double>& out) const {
  const double eta = config().server_lr;
  const double beta = config().server_momentum;
  std::vector<double>& m = state[0];
  for (size_t i = 0; i < global.size(); ++i) {
    m[i] = beta * m[i] + delta[i];
    out[i] = global[i] + eta * m[i];
  }
}

}  // namespace fedcloak::fl
