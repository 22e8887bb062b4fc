#include "fedcloak/dp/privacy_budget.h"

#include <fmt/format.h>

#include <cmath>

#include "absl/status/status.h"
#include "fedcloak/base/status.h"

namespace fedcloak::dp {

absl::StatusOr<PrivacyBudget> PrivacyBudget::Create(double target_epsilon, double delta) {
  return Create(target_epsilon, delta, DefaultRdpOrders());
}

absl::StatusOr<PrivacyBudget> PrivacyBudget::Create(double target_epsilon, double delta,
                                                    std::vector<double> orders) {
  if (!(target_epsilon > 0 && std::isfinite(target_epsilon))) {
    return absl::InvalidArgumentError(
        fmt::format("target epsilon {} must be positive and finite", target_epsilon));
  }
  if (!(delta > 0 && delta < 1)) {
    return absl::InvalidArgumentError(fmt::format("delta {} outside (0, 1)", delta));
  }
  if (orders.empty()) return absl::InvalidArgumentError("no RDP orders");
  for (double a : orders) {
    if (!(a > 1)) {
      return absl::InvalidArgumentError(fmt::format("RDP order {} must exceed 1", a));
    }
  }
  return PrivacyBudget(target_epsilon, delta, std::move(orders));
}

absl::StatusOr<EpsilonAtOrder> PrivacyBudget::Preview(std::span<const double> round_rdp) const {
  if (round_rdp.size() != orders_.size()) {
    return absl::InvalidArgumentError(
        fmt::format("round RDP has {} values for {} orders", round_rdp.size(), orders_.size()));
  }
  std::vector<double> total = total_rdp_;
  for (size_t i = 0; i < total.size(); ++i) {
    if (!(round_rdp[i] >= 0)) {
      return absl::InvalidArgumentError(fmt::format(
          "round RDP value {} at order {} must be non-negative", round_rdp[i], orders_[i]));
    }
    total[i] += round_rdp[i];
  }
  return RdpToEpsilon(orders_, total, delta_);
}

absl::StatusOr<EpsilonAtOrder> PrivacyBudget::ChargeRound(std::span<const double> round_rdp) {
  FEDCLOAK_ASSIGN_OR_RETURN(EpsilonAtOrder after, Preview(round_rdp));
  if (after.epsilon > target_epsilon_) {
    return absl::FailedPreconditionError(fmt::format(
        "round {} would raise epsilon from {:.6g} to {:.6g}, over the budget of {:.6g} at "
        "delta {:g}",
        rounds_ + 1, spent_.epsilon, after.epsilon, target_epsilon_, delta_));
  }
  for (size_t i = 0; i < total_rdp_.size(); ++i) total_rdp_[i] += round_rdp[i];
  ++rounds_;
  spent_ = after;
  return after;
}

absl::StatusOr<PrivacyReport> ComputeDpSgdPrivacy(double sampling_rate, double noise_multiplier,
                                                  uint64_t steps, double delta) {
  const std::vector<double> orders = DefaultRdpOrders();
  FEDCLOAK_ASSIGN_OR_RETURN(std::vector<double> rdp,
                            SubsampledGaussianRdp(sampling_rate, noise_multiplier, steps, orders));
  FEDCLOAK_ASSIGN_OR_RETURN(EpsilonAtOrder best, RdpToEpsilon(orders, rdp, delta));
  PrivacyReport report;
  report.epsilon = best.epsilon;
  report.best_order = best.order;
  report.delta = delta;
  report.sampling_rate = sampling_rate;
  report.noise_multiplier = noise_multiplier;
  report.steps = steps;
  return report;
}

}  // namespace fedcloak::dp
