#include "fedcloak/fl/privacy_accountant.h"

#include <limits>

#include "fedcloak/base/status.h"
#include "fedcloak/dp/discrete_gaussian_rdp.h"
#include "fedcloak/dp/distributed_dgauss.h"
#include "fedcloak/dp/rdp.h"
#include "fedcloak/fl/update_encoding.h"

namespace fedcloak::fl {
namespace {

absl::StatusOr<dp::PrivacyBudget> MakeBudget(double delta, std::optional<double> budget) {
  // Without a budget the accountant still reports epsilon; the limit is never reached.
  return dp::PrivacyBudget::Create(budget.value_or(std::numeric_limits<double>::max()), delta);
}

}  // namespace

absl::StatusOr<PrivacyAccountant> PrivacyAccountant::ForDistributedDp(
    const DpEncodingSettings& dp_settings, size_t num_params, double site_sampling_rate,
    uint32_t noise_shares, double delta, std::optional<double> epsilon_budget) {
  FEDCLOAK_ASSIGN_OR_RETURN(dp::DistributedDGauss mech,
                            dp::DistributedDGauss::Create(DdgParams(dp_settings, num_params)));
  FEDCLOAK_ASSIGN_OR_RETURN(dp::DdgRoundParams round, mech.RoundPrivacy(noise_shares));
  FEDCLOAK_ASSIGN_OR_RETURN(dp::PrivacyBudget budget, MakeBudget(delta, epsilon_budget));
  FEDCLOAK_ASSIGN_OR_RETURN(
      std::vector<double> rdp,
      dp::DistributedDiscreteGaussianRdp(round, site_sampling_rate, 1, budget.orders()));
  return PrivacyAccountant(std::move(budget), std::move(rdp));
}

absl::StatusOr<PrivacyAccountant> PrivacyAccountant::ForDpSgd(
    double q, double noise_multiplier, uint64_t steps_per_round, double delta,
    std::optional<double> epsilon_budget) {
  FEDCLOAK_ASSIGN_OR_RETURN(dp::PrivacyBudget budget, MakeBudget(delta, epsilon_budget));
  FEDCLOAK_ASSIGN_OR_RETURN(
      std::vector<double> rdp,
      dp::SubsampledGaussianRdp(q, noise_multiplier, steps_per_round, budget.orders()));
  return PrivacyAccountant(std::move(budget), std::move(rdp));
}

absl::StatusOr<double> PrivacyAccountant::ChargeRound() {
  FEDCLOAK_ASSIGN_OR_RETURN(dp::EpsilonAtOrder spent, budget_.ChargeRound(round_rdp_));
  return spent.epsilon;
}

}  // namespace fedcloak::fl
