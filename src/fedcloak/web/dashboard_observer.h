// DashboardObserver: feeds the engine's round reports into a DashboardState.
#ifndef FEDCLOAK_WEB_DASHBOARD_OBSERVER_H_
#define FEDCLOAK_WEB_DASHBOARD_OBSERVER_H_

#include <functional>
#include <optional>
#include <span>

#include "fedcloak/fl/engine.h"
#include "fedcloak/web/dashboard_state.h"

namespace fedcloak::web {

// Returns the coordinator-side evaluation of a finished round's model, if the run has
// one (the CLI passes what its console reporter already computed, so the model is not
// evaluated twice).
using CentralMetricsFn =
    std::function<std::optional<fl::LocalMetrics>(const fl::RoundRecord&, std::span<const float>)>;

// Called from the engine's thread. Does not own the state.
class DashboardObserver final : public fl::RoundObserver {
 public:
  explicit DashboardObserver(DashboardState* state, CentralMetricsFn central = nullptr)
      : state_(state), central_(std::move(central)) {}

  void OnRoundStart(uint64_t round, const std::vector<std::string>& selected) override {
    state_->RoundStarted(round, selected.size());
  }
  void OnRoundEnd(const fl::RoundRecord& record, std::span<const float> global) override {
    state_->RoundFinished(record, central_ ? central_(record, global) : std::nullopt);
  }

 private:
  DashboardState* state_;
  CentralMetricsFn central_;
};

}  // namespace fedcloak::web

#endif  // FEDCLOAK_WEB_DASHBOARD_OBSERVER_H_
