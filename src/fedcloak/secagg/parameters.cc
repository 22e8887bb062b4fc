#include "fedcloak/secagg/parameters.h"

#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "absl/status/status.h"
#include "fedcloak/base/bytes.h"
#include "fedcloak/base/check.h"
#include "fmt/format.h"

namespace fedcloak::secagg {
namespace {

constexpr double kSecurityBits = 40;
constexpr double kCorrectnessBits = 20;
constexpr double kLn2 = 0.69314718055994530942;
// Guards ceil(rate * n) against rates like 0.05 * 100 = 5.000000001.
constexpr double kRateSlack = 1e-12;

double LogChoose(double n, double k) {
  return std::lgamma(n + 1) - std::lgamma(k + 1) - std::lgamma(n - k + 1);
}

double LogSumExp(double a, double b) {
  if (a == -INFINITY) return b;
  if (b == -INFINITY) return a;
  const double m = std::max(a, b);
  return m + std::log(std::exp(a - m) + std::exp(b - m));
}

// log P[a given set of k ring positions is entirely bad]: (B)_k / (n)_k.
double LogAllBad(uint32_t n, uint32_t bad, uint32_t k) {
  if (k > bad) return -INFINITY;
  return std::lgamma(bad + 1.0) - std::lgamma(bad - k + 1.0) + std::lgamma(n - k + 1.0) -
         std::lgamma(n + 1.0);
}

}  // namespace

namespace internal {

double LogHypergeometricTail(uint32_t population, uint32_t successes, uint32_t draws, int64_t x) {
  if (x <= 0) return 0.0;
  const int64_t max_i = std::min<int64_t>(successes, draws);
  double log_tail = -INFINITY;
  for (int64_t i = x; i <= max_i; ++i) {
    if (draws - i > static_cast<int64_t>(population - successes)) continue;
    const double log_p = LogChoose(successes, static_cast<double>(i)) +
                         LogChoose(population - successes, static_cast<double>(draws - i)) -
                         LogChoose(population, draws);
    log_tail = LogSumExp(log_tail, log_p);
  }
  return log_tail;
}

}  // namespace internal

absl::StatusOr<SecAggParameters> SecAggParameters::Create(uint32_t num_sites, uint32_t neighbours,
                                                          uint32_t threshold,
                                                          uint64_t vector_length) {
  if (num_sites < 2 || num_sites > kMaxSites) {
    return absl::InvalidArgumentError(
        fmt::format("SecAgg needs between 2 and {} sites, got {}", kMaxSites, num_sites));
  }
  const bool complete = neighbours + 1 == num_sites;
  if (!complete && (neighbours % 2 != 0 || neighbours < 2 || neighbours + 2 > num_sites)) {
    return absl::InvalidArgumentError(fmt::format(
        "SecAgg+ neighbours must be even and in [2, {}] or equal {} (complete graph), got {}",
        num_sites - 2, num_sites - 1, neighbours));
  }
  if (threshold > neighbours + 1 || 2 * threshold <= neighbours + 1) {
    return absl::InvalidArgumentError(fmt::format(
        "SecAgg threshold {} must be in ({}, {}] for {} neighbours: more than half of the {} "
        "share holders, so that a coordinator cannot collect both shares of a site",
        threshold, (neighbours + 1) / 2, neighbours + 1, neighbours, neighbours + 1));
  }
  if (vector_length < 1 || vector_length > kMaxVectorLength) {
    return absl::InvalidArgumentError(
        fmt::format("SecAgg vector length {} outside [1, {}]", vector_length, kMaxVectorLength));
  }
  return SecAggParameters(num_sites, neighbours, threshold, vector_length);
}

absl::StatusOr<SecAggParameters> SecAggParameters::Derive(uint32_t num_sites,
                                                          uint64_t vector_length,
                                                          const ThreatModel& threat_model) {
  const double g = threat_model.adversarial_rate;
  const double d = threat_model.dropout_rate;
  if (!(g >= 0 && g < 1) || !(d >= 0 && d < 1) || g + 2 * d > 0.9) {
    return absl::InvalidArgumentError(fmt::format(
        "SecAgg threat model needs rates in [0, 1) with adversarial_rate + 2 * dropout_rate "
        "<= 0.9, got adversarial_rate {} and dropout_rate {}",
        g, d));
  }
  if (num_sites < 2 || num_sites > kMaxSites) {
    return absl::InvalidArgumentError(
        fmt::format("SecAgg needs between 2 and {} sites, got {}", kMaxSites, num_sites));
  }
  const uint32_t n = num_sites;
  // Rounded up: a 5% rate in a federation of 10 means one colluding site, not none.
  const auto adversarial = static_cast<uint32_t>(std::ceil(g * n - kRateSlack));
  const auto dropouts = static_cast<uint32_t>(std::ceil(d * n - kRateSlack));
  const double log_security = -(kSecurityBits + 1) * kLn2;  // split over two events
  const double log_correctness = -kCorrectnessBits * kLn2;
  const double log_n = std::log(static_cast<double>(n));
  for (uint32_t k = 2; k + 2 <= n; k += 2) {
    // Disconnecting a Harary ring of degree k takes k/2 consecutive bad sites at two
    // places: n (n - k - 1) / 2 pairs of gaps, each all bad with (B)_k / (n)_k.
    const double log_disconnected = log_n + std::log(static_cast<double>(n - k - 1)) - kLn2 +
                                    LogAllBad(n, adversarial + dropouts, k);
    if (log_disconnected > log_security) continue;
    const uint32_t holders = k + 1;
    for (uint32_t t = holders / 2 + 1; t <= holders; ++t) {
      const double log_breach =
          log_n + internal::LogHypergeometricTail(n - 1, adversarial, k, 2 * int64_t{t} - holders);
      if (log_breach > log_security) continue;
      const double log_failure =
          log_n + internal::LogHypergeometricTail(n - 1, dropouts, k, int64_t{k} - t + 1);
      if (log_failure <= log_correctness) return Create(n, k, t, vector_length);
      break;  // a larger t only makes correctness worse
    }
  }
  // Complete graph: all A colluders are neighbours; t > (n + A) / 2.
  const uint32_t t = std::min(n, (n + adversarial) / 2 + 1);
  return Create(n, n - 1, t, vector_length);
}

SecAggParameters::SecAggParameters(uint32_t num_sites, uint32_t neighbours, uint32_t threshold,
                                   uint64_t vector_length)
    : num_sites_(num_sites),
      neighbours_(neighbours),
      threshold_(threshold),
      vector_length_(vector_length) {
  std::vector<uint8_t> bytes;
  ByteWriter w(&bytes);
  w.PutString("fedcloak.secagg.parameters.v1");
  w.PutU32(num_sites);
  w.PutU32(neighbours);
  w.PutU32(threshold);
  w.PutU64(vector_length);
  uint8_t hash[32];
  FEDCLOAK_CHECK(crypto_generichash(hash, sizeof(hash), bytes.data(), bytes.size(), nullptr, 0) ==
                 0);
  parameter_id_ = 0;
  for (int i = 0; i < 8; ++i) parameter_id_ |= uint64_t{hash[i]} << (8 * i);
}

std::string SecAggParameters::ToString() const {
  return fmt::format("SecAgg+(sites={}, neighbours={}{}, threshold={}, vector_length={})",
                     num_sites_, neighbours_, complete_graph() ? " (complete)" : "", threshold_,
                     vector_length_);
}

}  // namespace fedcloak::secagg
