// The adaptive server optimizers of Reddi et al., "Adaptive Federated Optimization"
// (ICLR 2021), Algorithm 2. Use CreateStrategy (strategy.h) rather than this class.
#ifndef FEDCLOAK_FL_STRATEGY_ADAPTIVE_H_
#define FEDCLOAK_FL_STRATEGY_ADAPTIVE_H_

#include "fedcloak/fl/strategy.h"

namespace fedcloak::fl {

// Per coordinate, with Delta_t the weighted mean update of round t:
//   m_t = beta1 * m_{t-1} + (1 - beta1) * Delta_t
//   FedAdagrad: v_t = v_{t-1} + Delta_t^2
//   FedYogi:    v_t = v_{t-1} - (1 - beta2) * Delta_t^2 * sign(v_{t-1} - Delta_t^2)
//   FedAdam:    v_t = beta2 * v_{t-1} + (1 - beta2) * Delta_t^2
//   x_{t+1} = x_t + eta * m_t / (sqrt(v_t) + tau)
// Initial state m_{-1} = 0 and v_{-1} = tau^2 (the algorithm requires v_{-1} >= tau^2;
// Flower starts from v = 0, which differs by at most tau^2 in v). No bias correction,
// as in the paper. v_t >= 0 always holds, for Yogi too (v_{t-1} > Delta^2 implies
// v_t > beta2 * Delta^2), so the loader refuses negative v.
// REQUIRES: ValidateStrategyConfig(config).ok(), kind fedadam, fedyogi or fedadagrad.
class AdaptiveStrategy final : public Strategy {
 public:
  explicit AdaptiveStrategy(const StrategyConfig& config);
  std::string_view name() const override;

 private:
  size_t num_state_vectors() const override { return 2; }  // m, v
  double InitialStateValue(size_t i) const override;
  bool StateValueAllowed(size_t i, double v) const override;
  void Step(std::span<const float> global, std::span<const double> delta,
            std::vector<std::vector<double>>& state, std::vector<double>& out) const override;
};

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_STRATEGY_ADAPTIVE_H_
