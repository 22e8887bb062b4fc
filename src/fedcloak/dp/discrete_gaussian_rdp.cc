#include "fedcloak/dp/discrete_gaussian_rdp.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "absl/status/status.h"

namespace fedcloak::dp {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// The subsampled bound sums alpha terms; larger orders are never the best in practice.
constexpr double kMaxSubsampledOrder = 100'000;

// Proposition 14 (Eq. 17) of Kairouz, Liu, Steinke 2021 at order alpha.
double UnsampledRdp(const DdgRoundParams& p, double alpha) {
  const double term1 = alpha / 2 * p.l2_scale * p.l2_scale + p.tau * p.dimension;
  const double term2 =
      alpha / 2 * (p.l2_scale * p.l2_scale + 2 * p.l1_scale * p.tau + p.tau * p.tau * p.dimension);
  const double root = p.l2_scale + std::sqrt(p.dimension) * p.tau;
  const double term3 = alpha / 2 * root * root;
  return std::min({term1, term2, term3});
}

double LogBinomial(double n, double k) {
  return std::lgamma(n + 1) - std::lgamma(k + 1) - std::lgamma(n - k + 1);
}

// Zhu and Wang 2019, Theorem 5 (Poisson subsampling, general upper bound), integer
// alpha >= 2: (1/(alpha-1)) log( (1-q)^(alpha-1) (alpha q - q + 1)
//   + C(alpha,2) q^2 (1-q)^(alpha-2) e^{eps(2)}
//   + 3 sum_{l=3}^{alpha} C(alpha,l) (1-q)^(alpha-l) q^l e^{(l-1) eps(l)} ).
double SubsampledRdp(const DdgRoundParams& p, double q, uint64_t alpha) {
  const double a = static_cast<double>(alpha);
  const double log_q = std::log(q);
  const double log_1mq = std::log1p(-q);
  // Terms in log space, then a stable log-sum-exp.
  std::vector<double> terms;
  terms.reserve(alpha);
  terms.push_back((a - 1) * log_1mq + std::log(a * q - q + 1));
  terms.push_back(LogBinomial(a, 2) + 2 * log_q + (a - 2) * log_1mq + UnsampledRdp(p, 2));
  for (uint64_t l = 3; l <= alpha; ++l) {
    const double ld = static_cast<double>(l);
    terms.push_back(std::log(3.0) + LogBinomial(a, ld) + (a - ld) * log_1mq + ld * log_q +
                    (ld - 1) * UnsampledRdp(p, ld));
  }
  double top = -kInf;
  for (double t : terms) top = std::max(top, t);
  if (std::isinf(top)) return top;
  double sum = 0;
  for (double t : terms) sum += std::exp(t - top);
  return (top + std::log(sum)) / (a - 1);
}

}  // namespace

double DdgTau(double sigma, uint32_t n) {
  double tau = 0;
  const double c = 2 * std::numbers::pi * std::numbers::pi * sigma * sigma;
  for (uint32_t k = 1; k < n; ++k) {
    tau += std::exp(-c * k / (k + 1.0));
  }
  return 10 * tau;
}

absl::StatusOr<double> DistributedDiscreteGaussianRdp(const DdgRoundParams& params,
                                                      double sampling_rate, double order) {
  if (!(order > 1)) {
    return absl::InvalidArgumentError(fmt::format("RDP order {} must exceed 1", order));
  }
  if (!(sampling_rate > 0 && sampling_rate <= 1)) {
    return absl::InvalidArgumentError(
        fmt::format("client sampling rate {} outside (0, 1]", sampling_rate));
  }
  for (double v : {params.l1_scale, params.l2_scale, params.tau, params.dimension}) {
    if (!(v >= 0 && std::isfinite(v))) {
      return absl::InvalidArgumentError(fmt::format(
          "discrete Gaussian round parameters must be finite and non-negative, got {}", v));
    }
  }
  if (std::isinf(order)) return kInf;
  const double unsampled = UnsampledRdp(params, order);
  // The subsampled bound needs an integer order; RDP is non-decreasing in the order,
  // so a fractional order is charged the value at the next integer.
  const double alpha = std::ceil(order);
  if (sampling_rate == 1 || alpha > kMaxSubsampledOrder) return unsampled;
  return std::min(unsampled, SubsampledRdp(params, sampling_rate, static_cast<uint64_t>(alpha)));
}

absl::StatusOr<std::vector<double>> DistributedDiscreteGaussianRdp(const DdgRoundParams& params,
                                                                   double sampling_rate,
                                                                   uint64_t rounds,
                                                                   std::span<const double> orders) {
  std::vector<double> rdp;
  rdp.reserve(orders.size());
  for (double order : orders) {
    absl::StatusOr<double> one = DistributedDiscreteGaussianRdp(params, sampling_rate, order);
    if (!one.ok()) return one.status();
    rdp.push_back(*one * static_cast<double>(rounds));
  }
  return rdp;
}

}  // namespace fedcloak::dp
