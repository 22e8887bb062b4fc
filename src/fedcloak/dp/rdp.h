// Rényi DP of the Poisson-subsampled Gaussian mechanism and conversion to (epsilon,
// delta), following Mironov, Talwar, Zhang, "Rényi Differential Privacy of the Sampled
// Gaussian Mechanism" (arXiv:1908.10530, Section 3.3): log A_alpha by the binomial
// expansion at integer orders and by the two-sided series with erfc terms at fractional
// orders, as in TensorFlow Privacy's rdp_accountant.py and Opacus's analysis/rdp.py.
//
// Conversion: Balle, Barthe, Gaboardi, Hsu, Sato, "Hypothesis Testing Interpretations
// and Rényi Differential Privacy" (AISTATS 2020, Theorem 21), the one Opacus's
// get_privacy_spent uses:
//   eps = rdp(alpha) + log((alpha - 1) / alpha) - (log delta + log alpha) / (alpha - 1),
// minimized over the orders and clamped at 0; an order whose RDP value r has
// delta^2 + expm1(-r) >= 0 gives epsilon 0 (TensorFlow Privacy's KL-divergence case).
//
// All functions are pure and thread-safe.
#ifndef FEDCLOAK_DP_RDP_H_
#define FEDCLOAK_DP_RDP_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"

namespace fedcloak::dp {

// Opacus's RDPAccountant.DEFAULT_ALPHAS (1.1, 1.2, ..., 10.9, 12, 13, ..., 63) followed
// by TensorFlow Privacy's large orders 128, 256, 512.
std::vector<double> DefaultRdpOrders();

// RDP at `order` (> 1, may be +infinity) of one step of the Gaussian mechanism with
// noise multiplier z (std / L2 sensitivity) applied to a Poisson sample with rate q.
// q = 0 gives 0; q = 1 gives the closed form order / (2 z^2).
// InvalidArgument for q outside [0, 1], z <= 0 or non-finite, order <= 1.
absl::StatusOr<double> SubsampledGaussianRdp(double sampling_rate, double noise_multiplier,
                                             double order);

// `steps` compositions at each of `orders`.
absl::StatusOr<std::vector<double>> SubsampledGaussianRdp(double sampling_rate,
                                                          double noise_multiplier, uint64_t steps,
                                                          std::span<const double> orders);

struct EpsilonAtOrder {
  double epsilon = 0;  // +infinity if no order gives a finite bound
  double order = 0;    // the order attaining the minimum
};

// The smallest epsilon over `orders` for which the RDP curve implies
// (epsilon, delta)-DP. InvalidArgument for mismatched or empty spans, an order <= 1, a
// negative or NaN RDP value, or delta outside (0, 1).
absl::StatusOr<EpsilonAtOrder> RdpToEpsilon(std::span<const double> orders,
                                            std::span<const double> rdp, double delta);

}  // namespace fedcloak::dp

#endif  // FEDCLOAK_DP_RDP_H_
