// Per-round privacy accounting of a run: composes the Rényi DP of every round (module
// dp) and converts it to (epsilon, delta). Charged by the engine before each round; a
// round that would exceed the run's budget is not run, and the run stops saying why.
#ifndef FEDCLOAK_FL_PRIVACY_ACCOUNTANT_H_
#define FEDCLOAK_FL_PRIVACY_ACCOUNTANT_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/dp/privacy_budget.h"
#include "fedcloak/fl/messages.h"

namespace fedcloak::fl {

// Not thread-safe.
class PrivacyAccountant {
 public:
  // Distributed discrete Gaussian in a secure mode: each round the sum carries the noise
  // of at least `noise_shares` sites (the fewest surviving sites a round accepts), sites
  // are sampled with rate `site_sampling_rate`. No budget: epsilon_budget unset.
  static absl::StatusOr<PrivacyAccountant> ForDistributedDp(const DpEncodingSettings& dp,
                                                            size_t num_params,
                                                            double site_sampling_rate,
                                                            uint32_t noise_shares, double delta,
                                                            std::optional<double> epsilon_budget);

  // Sample-level DP-SGD at the sites: every round each site takes `steps_per_round`
  // steps of the Poisson-subsampled Gaussian with rate q and noise multiplier z; the
  // guarantee is per example of any one site.
  static absl::StatusOr<PrivacyAccountant> ForDpSgd(double q, double noise_multiplier,
                                                    uint64_t steps_per_round, double delta,
                                                    std::optional<double> epsilon_budget);

  // Charges one round; returns epsilon after it. FailedPrecondition (nothing charged)
  // if it would exceed the budget.
  absl::StatusOr<double> ChargeRound();

  double epsilon() const { return budget_.epsilon(); }
  double delta() const { return budget_.delta(); }

 private:
  PrivacyAccountant(dp::PrivacyBudget budget, std::vector<double> round_rdp)
      : budget_(std::move(budget)), round_rdp_(std::move(round_rdp)) {}

  dp::PrivacyBudget budget_;
  std::vector<double> round_rdp_;  // RDP of one round at each of budget_.orders()
};

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_PRIVACY_ACCOUNTANT_H_
