#include "fedcloak/dp/distributed_dgauss.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "absl/status/status.h"
#include "fedcloak/base/status.h"
#include "fedcloak/dp/constant_time.h"
#include "fedcloak/dp/randomized_hadamard.h"

namespace fedcloak::dp {
namespace {

// Conditional rounding succeeds with probability >= 1 - beta per attempt.
constexpr int kMaxRoundingAttempts = 1000;

struct CapacityBounds {
  double signal = 0;    // tail bound of the (rotated) scaled signal alone
  double rounding = 0;  // at most 1 per summand
  double noise = 0;     // tail bound of the summed noise alone
  double total = 0;     // bound on |coordinate of the aggregate|
};

uint64_t EncodedDimension(const DistributedDGaussParams& p) {
  return p.rotate ? std::bit_ceil(p.dimension) : p.dimension;
}

double TailMultiplier(const DistributedDGaussParams& p) {
  // Sub-Gaussian tail with a union bound over the coordinates:
  // 2 d' exp(-a^2 / (2 v^2)) <= 2^-kappa.
  const double log_terms = std::log(2.0 * static_cast<double>(EncodedDimension(p))) +
                           p.capacity_failure_log2 * std::numbers::ln2;
  return std::sqrt(2 * log_terms);
}

double SiteSigma(const DistributedDGaussParams& p, double scale) {
  return p.noise_multiplier * p.l2_clip * scale / std::sqrt(static_cast<double>(p.expected_sites));
}

// The sum of max_sites encodings. The discrete Gaussian N_Z(0, s^2) is s-sub-Gaussian
// (Canonne et al. 2020, Corollary 9); with the rotation each coordinate of U x is
// ||x|| / sqrt(d')-sub-Gaussian over the random signs (Hoeffding), and the sum of the
// clipped updates has norm <= n C. Without rotation a coordinate is at most n C.
CapacityBounds Capacity(const DistributedDGaussParams& p, double scale) {
  const double n = p.max_sites;
  const double mult = TailMultiplier(p);
  const double noise_std = std::sqrt(n) * SiteSigma(p, scale);
  CapacityBounds b;
  b.rounding = n;
  b.noise = mult * noise_std;
  if (p.rotate) {
    const double signal_std =
        n * p.l2_clip * scale / std::sqrt(static_cast<double>(EncodedDimension(p)));
    b.signal = mult * signal_std;
    b.total = b.rounding + mult * std::hypot(signal_std, noise_std);
  } else {
    b.signal = n * p.l2_clip * scale;
    b.total = b.signal + b.rounding + b.noise;
  }
  return b;
}

absl::Status ValidateShape(const DistributedDGaussParams& p) {
  if (p.dimension == 0 || p.dimension > RandomizedHadamard::kMaxDimension) {
    return absl::InvalidArgumentError(fmt::format("dimension {} outside [1, {}]", p.dimension,
                                                  RandomizedHadamard::kMaxDimension));
  }
  if (!(p.l2_clip > 0 && std::isfinite(p.l2_clip))) {
    return absl::InvalidArgumentError(fmt::format("l2_clip {} must be positive", p.l2_clip));
  }
  if (!(p.noise_multiplier > 0 && std::isfinite(p.noise_multiplier))) {
    return absl::InvalidArgumentError(
        fmt::format("noise_multiplier {} must be positive", p.noise_multiplier));
  }
  if (p.expected_sites == 0 || p.max_sites < p.expected_sites) {
    return absl::InvalidArgumentError(
        fmt::format("expected_sites {} must be positive and at most max_sites {}", p.expected_sites,
                    p.max_sites));
  }
  if (!(p.rounding_beta >= 0 && p.rounding_beta < 1)) {
    return absl::InvalidArgumentError(
        fmt::format("rounding_beta {} outside [0, 1)", p.rounding_beta));
  }
  if (p.modulus_bits < 2 || p.modulus_bits > 32) {
    return absl::InvalidArgumentError(
        fmt::format("modulus_bits {} outside [2, 32]", p.modulus_bits));
  }
  if (p.capacity_failure_log2 < 16 || p.capacity_failure_log2 > 128) {
    return absl::InvalidArgumentError(
        fmt::format("capacity_failure_log2 {} outside [16, 128]", p.capacity_failure_log2));
  }
  return absl::OkStatus();
}

}  // namespace

double RoundedNormBound(double norm, uint64_t dimension, double beta) {
  const double d = static_cast<double>(dimension);
  const double bound1 = norm + std::sqrt(d);
  if (beta <= 0) return bound1;
  const double squared2 =
      norm * norm + 0.25 * d + std::sqrt(2 * std::log(1 / beta)) * (norm + 0.5 * std::sqrt(d));
  return std::min(bound1, std::sqrt(squared2));
}

void ClipToL2Norm(std::span<double> v, double clip) {
  long double sum = 0;
  for (double x : v) sum += static_cast<long double>(x) * x;
  const double norm = static_cast<double>(std::sqrt(sum));
  if (norm <= clip) return;
  double factor = clip / norm;
  // Rounding may leave the result a few ulps above the clip; shrink until it is not.
  for (;;) {
    long double clipped = 0;
    for (double x : v) clipped += static_cast<long double>(x * factor) * (x * factor);
    if (std::sqrt(clipped) <= clip) break;
    factor = std::nextafter(factor, 0.0) * (1 - 0x1p-50);
  }
  for (double& x : v) x *= factor;
}

absl::StatusOr<SecretVector<int64_t>> ConditionalRandomizedRound(std::span<const double> scaled,
                                                                 double norm_bound,
                                                                 SecureRandom& rng,
                                                                 int max_attempts) {
  const size_t dim = scaled.size();
  SecretVector<int64_t> rounded(dim);
  SecretVector<uint64_t> coins(dim);
  const long double bound_squared = static_cast<long double>(norm_bound) * norm_bound;
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    rng.Fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(coins.data()), dim * sizeof(uint64_t)));
    unsigned __int128 sum_squares = 0;
    for (size_t j = 0; j < dim; ++j) {
      const double down = std::floor(scaled[j]);
      const double fraction = scaled[j] - down;  // exact, in [0, 1)
      // Up with probability fraction: coin < fraction * 2^64 (fraction * 2^63 < 2^63).
      const uint64_t threshold = static_cast<uint64_t>(static_cast<int64_t>(fraction * 0x1p63))
                                 << 1;
      const int64_t value =
          static_cast<int64_t>(down) + static_cast<int64_t>(internal::CtLess(coins[j], threshold));
      rounded[j] = value;
      sum_squares += static_cast<unsigned __int128>(static_cast<__int128>(value) * value);
    }
    if (static_cast<long double>(sum_squares) <= bound_squared) return rounded;
  }
  return absl::InternalError(fmt::format(
      "conditional rounding exceeded the norm bound {} in {} attempts", norm_bound, max_attempts));
}

absl::StatusOr<double> DistributedDGauss::MaxScale(const DistributedDGaussParams& params) {
  FEDCLOAK_RETURN_IF_ERROR(ValidateShape(params));
  const double half_modulus = std::ldexp(1.0, params.modulus_bits - 1);
  const CapacityBounds unit = Capacity(params, 1.0);
  const double per_scale = unit.total - unit.rounding;  // total = rounding + scale * this
  const double room = half_modulus - unit.rounding;
  if (!(room > 0)) {
    return absl::InvalidArgumentError(
        fmt::format("modulus 2^{} cannot hold the rounding error of {} sites", params.modulus_bits,
                    params.max_sites));
  }
  // The per-site sigma must also stay within the sampler's range.
  const double sigma_cap = DiscreteGaussianSampler::kMaxSigma / SiteSigma(params, 1.0);
  // Both bounds backed off by a relative 1e-9, so that rounding in Create cannot step
  // over them.
  return std::min(room / per_scale, sigma_cap) * (1 - 1e-9);
}

absl::StatusOr<DistributedDGauss> DistributedDGauss::Create(const DistributedDGaussParams& params) {
  FEDCLOAK_RETURN_IF_ERROR(ValidateShape(params));
  if (!(params.scale > 0 && std::isfinite(params.scale))) {
    return absl::InvalidArgumentError(fmt::format("scale {} must be positive", params.scale));
  }
  const double sigma = SiteSigma(params, params.scale);
  absl::StatusOr<DiscreteGaussianSampler> sampler = DiscreteGaussianSampler::Create(sigma);
  if (!sampler.ok()) {
    return absl::InvalidArgumentError(fmt::format(
        "per-site noise sigma {} (noise_multiplier {} * l2_clip {} * scale {} / sqrt({} "
        "expected sites)) outside [{}, {}]",
        sigma, params.noise_multiplier, params.l2_clip, params.scale, params.expected_sites,
        DiscreteGaussianSampler::kMinSigma, DiscreteGaussianSampler::kMaxSigma));
  }
  const CapacityBounds cap = Capacity(params, params.scale);
  const double half_modulus = std::ldexp(1.0, params.modulus_bits - 1);
  if (!(cap.total < half_modulus)) {
    return absl::InvalidArgumentError(
        fmt::format("modulus 2^{} cannot hold the sum of {} sites: a coordinate may reach {:.4g} "
                    "(signal {:.4g}, rounding {:.4g}, noise {:.4g} at probability 2^-{} over {} "
                    "coordinates) >= 2^{} = {:.0f}; lower the scale {} or the clip {}",
                    params.modulus_bits, params.max_sites, cap.total, cap.signal, cap.rounding,
                    cap.noise, params.capacity_failure_log2, EncodedDimension(params),
                    params.modulus_bits - 1, half_modulus, params.scale, params.l2_clip));
  }
  DistributedDGauss m(params, *std::move(sampler));
  m.encoded_dimension_ = EncodedDimension(params);
  m.rounded_norm_bound_ =
      RoundedNormBound(params.l2_clip * params.scale, m.encoded_dimension_, params.rounding_beta);
  m.aggregate_bound_ = cap.total;
  return m;
}

absl::StatusOr<SecretVector<uint32_t>> DistributedDGauss::EncodeSiteUpdate(
    std::span<const double> update, std::span<const uint8_t, Prg::kSeedSize> rotation_seed,
    SecureRandom& rng) const {
  const DistributedDGaussParams& p = params_;
  if (update.size() != p.dimension) {
    return absl::InvalidArgumentError(
        fmt::format("update has {} coordinates, expected {}", update.size(), p.dimension));
  }
  for (size_t i = 0; i < update.size(); ++i) {
    if (!std::isfinite(update[i])) {
      return absl::InvalidArgumentError(fmt::format("update coordinate {} is not finite", i));
    }
  }
  const size_t dim = static_cast<size_t>(encoded_dimension_);
  SecretVector<double> work(dim, 0.0);
  std::copy(update.begin(), update.end(), work.begin());
  ClipToL2Norm(work.span().first(update.size()), p.l2_clip);
  if (p.rotate) {
    FEDCLOAK_ASSIGN_OR_RETURN(RandomizedHadamard rotation,
                              RandomizedHadamard::Create(p.dimension, rotation_seed));
    FEDCLOAK_RETURN_IF_ERROR(rotation.Forward(work.span()));
  }
  for (double& x : work) x *= p.scale;

  FEDCLOAK_ASSIGN_OR_RETURN(
      SecretVector<int64_t> rounded,
      ConditionalRandomizedRound(work.span(), rounded_norm_bound_, rng, kMaxRoundingAttempts));

  SecretVector<int64_t> noise(dim);
  sampler_.Sample(rng, noise.span());
  const uint64_t mask = (uint64_t{1} << p.modulus_bits) - 1;
  SecretVector<uint32_t> encoded(dim);
  for (size_t j = 0; j < dim; ++j) {
    encoded[j] = static_cast<uint32_t>(static_cast<uint64_t>(rounded[j] + noise[j]) & mask);
  }
  return encoded;
}

absl::StatusOr<std::vector<double>> DistributedDGauss::DecodeAggregate(
    std::span<const uint32_t> aggregate,
    std::span<const uint8_t, Prg::kSeedSize> rotation_seed) const {
  const DistributedDGaussParams& p = params_;
  if (aggregate.size() != encoded_dimension_) {
    return absl::InvalidArgumentError(fmt::format("aggregate has {} coordinates, expected {}",
                                                  aggregate.size(), encoded_dimension_));
  }
  const uint64_t modulus = uint64_t{1} << p.modulus_bits;
  const uint64_t half = modulus / 2;
  std::vector<double> sum(aggregate.size());
  for (size_t j = 0; j < aggregate.size(); ++j) {
    const uint64_t w = aggregate[j] & (modulus - 1);
    // Centered lift of the public aggregate to [-2^(b-1), 2^(b-1)).
    const int64_t lifted = w >= half ? static_cast<int64_t>(w) - static_cast<int64_t>(modulus)
                                     : static_cast<int64_t>(w);
    sum[j] = static_cast<double>(lifted) / p.scale;
  }
  if (p.rotate) {
    FEDCLOAK_ASSIGN_OR_RETURN(RandomizedHadamard rotation,
                              RandomizedHadamard::Create(p.dimension, rotation_seed));
    FEDCLOAK_RETURN_IF_ERROR(rotation.Inverse(sum));
  }
  sum.resize(static_cast<size_t>(p.dimension));
  return sum;
}

absl::StatusOr<DdgRoundParams> DistributedDGauss::RoundPrivacy(uint32_t noise_shares) const {
  if (noise_shares == 0) {
    return absl::InvalidArgumentError("noise_shares must be positive");
  }
  const double sigma = sampler_.sigma();
  const double n = noise_shares;
  const double d = static_cast<double>(encoded_dimension_);
  const double l2 = rounded_norm_bound_;
  // Integer vectors have L1 <= L2^2; any vector has L1 <= sqrt(d) L2.
  const double l1 = l2 * std::min(std::sqrt(d), l2);
  DdgRoundParams r;
  r.l2_scale = l2 / (std::sqrt(n) * sigma);
  r.l1_scale = l1 / (std::sqrt(n) * sigma);
  r.tau = DdgTau(sigma, noise_shares);
  r.dimension = d;
  return r;
}

}  // namespace fedcloak::dp
