// Rényi DP of the (distributed) discrete Gaussian mechanism, after Kairouz, Liu,
// Steinke (ICML 2021, arXiv:2102.06387): Theorem 1 bounds the divergence of a sum of n
// independent N_Z(0, sigma^2) vectors shifted by an integer vector of L1 norm Delta_1 and
// L2 norm Delta_2, and Proposition 14 (Eq. 17) gives the RDP at order alpha:
//
//   eps(alpha) = min( alpha/2 * l2^2 + tau * d,
//                     alpha/2 * (l2^2 + 2 * l1 * tau + tau^2 * d),
//                     alpha/2 * (l2 + sqrt(d) * tau)^2 )
//   l2 = Delta_2 / (sqrt(n) sigma), l1 = Delta_1 / (sqrt(n) sigma),
//   tau = 10 * sum_{k=1}^{n-1} exp(-2 pi^2 sigma^2 k / (k + 1)).
//
// With client sampling rate q < 1, the Poisson-subsampled bound of Zhu and Wang (ICML
// 2019, Theorem 5) is applied at integer orders, as in the authors' accounting code
// (google-research/federated, distributed_dp/accounting_utils.py). RDP is
// non-decreasing in alpha, so a fractional order is charged the value at ceil(alpha).
#ifndef FEDCLOAK_DP_DISCRETE_GAUSSIAN_RDP_H_
#define FEDCLOAK_DP_DISCRETE_GAUSSIAN_RDP_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"

namespace fedcloak::dp {

struct DdgRoundParams {
  double l1_scale = 0;   // Delta_1 / (sqrt(n) sigma)
  double l2_scale = 0;   // Delta_2 / (sqrt(n) sigma)
  double tau = 0;        // 0 for a single discrete Gaussian
  double dimension = 0;  // d (after padding)
};

// tau of Theorem 1 for n shares of N_Z(0, sigma^2) (sigma in integer units).
double DdgTau(double sigma, uint32_t n);

// RDP at `order` > 1 of one round with client sampling rate q in (0, 1].
// InvalidArgument for an order <= 1, q outside (0, 1] or a negative/non-finite param.
absl::StatusOr<double> DistributedDiscreteGaussianRdp(const DdgRoundParams& params,
                                                      double sampling_rate, double order);

// The RDP curve of `rounds` rounds at each of `orders`.
absl::StatusOr<std::vector<double>> DistributedDiscreteGaussianRdp(const DdgRoundParams& params,
                                                                   double sampling_rate,
                                                                   uint64_t rounds,
                                                                   std::span<const double> orders);

}  // namespace fedcloak::dp

#endif  // FEDCLOAK_DP_DISCRETE_GAUSSIAN_RDP_H_
