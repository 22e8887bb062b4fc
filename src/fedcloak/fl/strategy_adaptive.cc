#include "fedcloak/fl/strategy_adaptive.h"

#include <cmath>

#include "fedcloak/base/check.h"

namespace fedcloak::fl {

AdaptiveStrategy::AdaptiveStrategy(const StrategyConfig& config) : Strategy(config) {
  FEDCLOAK_CHECK(IsAdaptive(config.kind));
}

std::string_view AdaptiveStrategy::name() const { return StrategyKindName(config().kind); }

double AdaptiveStrategy::InitialStateValue(size_t i) const {
  return i == 1 ? config().tau * config().tau : 0.0;
}

bool AdaptiveStrategy::StateValueAllowed(size_t i, double v) const {
  return std::isfinite(v) && (i == 0 || v >= 0.0);
}

void AdaptiveStrategy::Step(std::span<const float> global, std::span<const double> delta,
                            std::vector<std::vector<double>>& state,
                            std::vector<double>& out) const {
  const StrategyConfig& c = config();
  std::vector<double>& m = state[0];
  std::vector<double>& v = state[1];
  for (size_t i = 0; i < global.size(); ++i) {
    const double d = delta[i];
    const double d2 = d * d;
    m[i] = c.beta1 * m[i] + (1.0 - c.beta1) * d;
    switch (c.kind) {
      case StrategyKind::kFedAdagrad:
        v[i] = v[i] + d2;
        break;
      case StrategyKind::kFedYogi: {
        const double diff = v[i] - d2;
        const double sign = diff > 0.0 ? 1.0 : (diff < 0.0 ? -1.0 : 0.0);
        v[i] = v[i] - (1.0 - c.beta2) * d2 * sign;
        break;
      }
      default:  // kFedAdam
        v[i] = c.beta2 * v[i] + (1.0 - c.beta2) * d2;
        break;
    }
    out[i] = global[i] + c.server_lr * m[i] / (std::sqrt(v[i]) + c.tau);
  }
}

}  // namespace fedcloak::fl
