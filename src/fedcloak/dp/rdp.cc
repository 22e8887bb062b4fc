#include "fedcloak/dp/rdp.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "absl/status/status.h"

namespace fedcloak::dp {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// The fractional-order series stops once both new terms are below e^-30 (as the
// reference implementations do); this cap only guards against a runaway loop.
constexpr int kMaxSeriesTerms = 1'000'000;

// log(e^a + e^b).
double LogAdd(double a, double b) {
  const double lo = std::min(a, b);
  const double hi = std::max(a, b);
  if (lo == -kInf) return hi;
  return std::log1p(std::exp(lo - hi)) + hi;
}

// log(e^a - e^b) for a >= b; -inf when the difference vanishes.
double LogSub(double a, double b) {
  if (b == -kInf) return a;
  if (a <= b) return -kInf;
  return std::log(std::expm1(a - b)) + b;
}

// log(erfc(x)), accurate where erfc underflows (asymptotic series for large x).
double LogErfc(double x) {
  if (x < 25) return std::log(std::erfc(x));
  const double x2 = x * x;
  const double inv2 = 1 / x2;
  return -0.5 * std::log(std::numbers::pi) - std::log(x) - x2 - 0.5 * inv2 + 0.625 * inv2 * inv2 -
         37.0 / 24.0 * inv2 * inv2 * inv2 + 353.0 / 64.0 * inv2 * inv2 * inv2 * inv2;
}

// log A_alpha for integer alpha: sum_i C(alpha, i) q^i (1-q)^(alpha-i) e^((i^2-i)/(2 z^2)).
double LogAInteger(double q, double z, uint64_t alpha) {
  const double log_q = std::log(q);
  const double log_1mq = std::log1p(-q);
  const double ad = static_cast<double>(alpha);
  double log_a = -kInf;
  double log_binom = 0;  // log C(alpha, i)
  for (uint64_t i = 0; i <= alpha; ++i) {
    const double id = static_cast<double>(i);
    const double term = log_binom + id * log_q + (ad - id) * log_1mq + (id * id - id) / (2 * z * z);
    log_a = LogAdd(log_a, term);
    if (i < alpha) log_binom += std::log(ad - id) - std::log(id + 1);
  }
  return log_a;
}

// log A_alpha for fractional alpha: the integral split at z0 where the two Gaussian
// densities' mixture ratio crosses, each half expanded as a binomial series.
double LogAFractional(double q, double z, double alpha) {
  const double log_q = std::log(q);
  const double log_1mq = std::log1p(-q);
  const double z0 = z * z * std::log(1 / q - 1) + 0.5;
  const double denom = std::numbers::sqrt2 * z;
  double log_a0 = -kInf;
  double log_a1 = -kInf;
  double log_abs_binom = 0;  // log |C(alpha, i)|, generalized binomial coefficient
  bool positive = true;
  for (int i = 0; i < kMaxSeriesTerms; ++i) {
    const double id = i;
    const double j = alpha - id;
    const double log_t0 = log_abs_binom + id * log_q + j * log_1mq;
    const double log_t1 = log_abs_binom + j * log_q + id * log_1mq;
    const double log_e0 = std::log(0.5) + LogErfc((id - z0) / denom);
    const double log_e1 = std::log(0.5) + LogErfc((z0 - j) / denom);
    const double log_s0 = log_t0 + (id * id - id) / (2 * z * z) + log_e0;
    const double log_s1 = log_t1 + (j * j - j) / (2 * z * z) + log_e1;
    if (positive) {
      log_a0 = LogAdd(log_a0, log_s0);
      log_a1 = LogAdd(log_a1, log_s1);
    } else {
      log_a0 = LogSub(log_a0, log_s0);
      log_a1 = LogSub(log_a1, log_s1);
    }
    // C(alpha, i + 1) = C(alpha, i) (alpha - i) / (i + 1).
    log_abs_binom += std::log(std::abs(alpha - id)) - std::log(id + 1);
    if (alpha - id < 0) positive = !positive;
    if (std::max(log_s0, log_s1) < -30) break;
  }
  return LogAdd(log_a0, log_a1);
}

absl::Status ValidateGaussian(double q, double z) {
  if (!(q >= 0 && q <= 1)) {
    return absl::InvalidArgumentError(fmt::format("sampling rate {} outside [0, 1]", q));
  }
  if (!(z > 0 && std::isfinite(z))) {
    return absl::InvalidArgumentError(fmt::format("noise multiplier {} must be positive", z));
  }
  return absl::OkStatus();
}

absl::Status ValidateOrder(double order) {
  if (!(order > 1)) {
    return absl::InvalidArgumentError(fmt::format("RDP order {} must exceed 1", order));
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<double> DefaultRdpOrders() {
  std::vector<double> orders;
  for (int x = 1; x < 100; ++x) orders.push_back(1 + x / 10.0);
  for (int a = 12; a < 64; ++a) orders.push_back(a);
  for (double a : {128.0, 256.0, 512.0}) orders.push_back(a);
  return orders;
}

absl::StatusOr<double> SubsampledGaussianRdp(double q, double z, double order) {
  if (absl::Status s = ValidateGaussian(q, z); !s.ok()) return s;
  if (absl::Status s = ValidateOrder(order); !s.ok()) return s;
  if (q == 0) return 0.0;
  if (q == 1) return order / (2 * z * z);
  if (std::isinf(order)) return kInf;
  if (order == std::floor(order) && order < 1e9) {
    return LogAInteger(q, z, static_cast<uint64_t>(order)) / (order - 1);
  }
  return LogAFractional(q, z, order) / (order - 1);
}

absl::StatusOr<std::vector<double>> SubsampledGaussianRdp(double q, double z, uint64_t steps,
                                                          std::span<const double> orders) {
  std::vector<double> rdp;
  rdp.reserve(orders.size());
  for (double order : orders) {
    absl::StatusOr<double> one = SubsampledGaussianRdp(q, z, order);
    if (!one.ok()) return one.status();
    rdp.push_back(*one * static_cast<double>(steps));
  }
  return rdp;
}

absl::StatusOr<EpsilonAtOrder> RdpToEpsilon(std::span<const double> orders,
                                            std::span<const double> rdp, double delta) {
  if (orders.empty() || orders.size() != rdp.size()) {
    return absl::InvalidArgumentError(
        fmt::format("{} RDP orders but {} RDP values", orders.size(), rdp.size()));
  }
  if (!(delta > 0 && delta < 1)) {
    return absl::InvalidArgumentError(fmt::format("delta {} outside (0, 1)", delta));
  }
  EpsilonAtOrder best{kInf, std::numeric_limits<double>::quiet_NaN()};
  for (size_t i = 0; i < orders.size(); ++i) {
    const double a = orders[i];
    if (absl::Status s = ValidateOrder(a); !s.ok()) return s;
    if (!(rdp[i] >= 0)) {
      return absl::InvalidArgumentError(
          fmt::format("RDP value {} at order {} must be non-negative", rdp[i], a));
    }
    double eps = rdp[i] + std::log1p(-1 / a) - (std::log(delta) + std::log(a)) / (a - 1);
    // As TF Privacy's _compute_eps: KL <= D_alpha and TV <= sqrt(1 - e^-KL), so an RDP
    // value with delta^2 + expm1(-rdp) >= 0 already gives (0, delta)-DP.
    if (delta * delta + std::expm1(-rdp[i]) >= 0) eps = 0;
    if (eps < best.epsilon) best = {eps, a};
  }
  if (best.epsilon < 0) best.epsilon = 0;
  return best;
}

}  // namespace fedcloak::dp
