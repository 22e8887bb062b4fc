// FedAvg, FedProx and FedAvgM on the server. Use CreateStrategy (strategy.h) rather
// than these classes directly.
#ifndef FEDCLOAK_FL_STRATEGY_FEDAVG_H_
#define FEDCLOAK_FL_STRATEGY_FEDAVG_H_

#include "fedcloak/fl/strategy.h"

namespace fedcloak::fl {

// FedAvg (McMahan et al. 2017) with a server learning rate eta:
//   x_{t+1} = x_t + eta * Delta_t.
// With eta = 1 the new model is the weighted average of the local models. FedProx
// (Li et al. 2020) is the same server step; it adds the proximal_mu client hint.
// REQUIRES: ValidateStrategyConfig(config).ok(), kind fedavg or fedprox.
class FedAvgStrategy final : public Strategy {
 public:
  explicit FedAvgStrategy(const StrategyConfig& config);
  std::string_view name() const override;
  ClientHints client_hints() const override;

 private:
  size_t num_state_vectors() const override { return 0; }
  void Step(std::span<const float> global, std::span<const double> delta,
            std::vector<std::vector<double>>& state, std::vector<double>& out) const override;
};

// FedAvgM (Hsu et al. 2019), server momentum beta, heavy-ball as in torch.optim.SGD and
// Flower: m_t = beta * m_{t-1} + Delta_t (m_{-1} = 0); x_{t+1} = x_t + eta * m_t.
// REQUIRES: ValidateStrategyConfig(config).ok(), kind fedavgm.
class FedAvgMStrategy final : public Strategy {
 public:
  explicit FedAvgMStrategy(const StrategyConfig& config);
  std::string_view name() const override;

 private:
  size_t num_state_vectors() const override { return 1; }
  void Step(std::span<const float> global, std::span<const double> delta,
            std::vector<std::vector<double>>& state, std::vector<double>& out) const override;
};

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_STRATEGY_FEDAVG_H_
