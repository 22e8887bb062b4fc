// PrivacyBudget: composes the Rényi DP of successive rounds and stops a run before it
// would exceed a target (epsilon, delta). Rounds are charged as RDP curves over the
// budget's orders (from SubsampledGaussianRdp or DistributedDiscreteGaussianRdp);
// composition adds the curves, and epsilon is read with RdpToEpsilon (rdp.h).
//
// Not thread-safe: one owner (the round driver) charges rounds in order.
#ifndef FEDCLOAK_DP_PRIVACY_BUDGET_H_
#define FEDCLOAK_DP_PRIVACY_BUDGET_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/dp/rdp.h"

namespace fedcloak::dp {

class PrivacyBudget {
 public:
  // InvalidArgument unless target_epsilon > 0 (finite), 0 < delta < 1, and `orders`
  // is non-empty with every order > 1. Default orders: DefaultRdpOrders().
  static absl::StatusOr<PrivacyBudget> Create(double target_epsilon, double delta);
  static absl::StatusOr<PrivacyBudget> Create(double target_epsilon, double delta,
                                              std::vector<double> orders);

  double target_epsilon() const { return target_epsilon_; }
  double delta() const { return delta_; }
  const std::vector<double>& orders() const { return orders_; }
  uint64_t rounds() const { return rounds_; }
  // Epsilon spent by the rounds charged so far (0 before the first round).
  double epsilon() const { return spent_.epsilon; }
  double best_order() const { return spent_.order; }

  // Epsilon after composing `round_rdp` (one value per order), without charging it.
  // InvalidArgument if the size differs from orders() or a value is negative or NaN.
  absl::StatusOr<EpsilonAtOrder> Preview(std::span<const double> round_rdp) const;

  // Charges one round and returns the epsilon spent after it. If that epsilon would
  // exceed target_epsilon(), charges nothing and returns FailedPrecondition naming the
  // round, both epsilons and delta.
  absl::StatusOr<EpsilonAtOrder> ChargeRound(std::span<const double> round_rdp);

 private:
  PrivacyBudget(double target_epsilon, double delta, std::vector<double> orders)
      : target_epsilon_(target_epsilon),
        delta_(delta),
        orders_(std::move(orders)),
        total_rdp_(orders_.size(), 0.0) {}

  double target_epsilon_;
  double delta_;
  std::vector<double> orders_;
  std::vector<double> total_rdp_;
  uint64_t rounds_ = 0;
  EpsilonAtOrder spent_{0, 0};
};

// For planning (`fedcloak privacy`): DP-SGD or DP-FedAvg with Poisson sampling rate q,
// noise multiplier z and `steps` steps, at `delta`, over DefaultRdpOrders().
struct PrivacyReport {
  double epsilon = 0;
  double best_order = 0;
  double delta = 0;
  double sampling_rate = 0;
  double noise_multiplier = 0;
  uint64_t steps = 0;
};

// InvalidArgument for q outside [0, 1], z <= 0, or delta outside (0, 1).
absl::StatusOr<PrivacyReport> ComputeDpSgdPrivacy(double sampling_rate, double noise_multiplier,
                                                  uint64_t steps, double delta);

}  // namespace fedcloak::dp

#endif  // FEDCLOAK_DP_PRIVACY_BUDGET_H_
