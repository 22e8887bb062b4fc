// The distributed discrete Gaussian mechanism (Kairouz, Liu, Steinke, "The Distributed
// Discrete Gaussian Mechanism for Federated Learning with Secure Aggregation", ICML
// 2021, Algorithms 1 and 2), before masking or encryption:
//
//   site:   clip to L2 norm C -> [pad to a power of two, rotate with U = H D / sqrt(p)]
//           -> multiply by `scale` -> conditional randomized rounding to integers
//           -> add N_Z(0, sigma_site^2) per coordinate -> reduce mod 2^modulus_bits.
//   server: sum mod 2^b (secure aggregation) -> centered lift -> divide by `scale`
//           -> [U^T, drop the padding] = sum of clipped updates + Gaussian-like noise.
//
// sigma_site = noise_multiplier * C * scale / sqrt(expected_sites): the sum of the
// noise of `expected_sites` sites has standard deviation noise_multiplier * C in the
// units of the update. Create() refuses parameters whose sum may wrap around the
// modulus (signal, rounding and a noise tail of probability 2^-capacity_failure_log2).
//
// Parameters are public; the site's update, the rounded vector and the noise are not
// (the noise lives in SecretVector). Immutable after Create(); const methods are
// thread-safe when each caller passes its own SecureRandom.
#ifndef FEDCLOAK_DP_DISTRIBUTED_DGAUSS_H_
#define FEDCLOAK_DP_DISTRIBUTED_DGAUSS_H_

#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/base/prg.h"
#include "fedcloak/base/secret.h"
#include "fedcloak/base/secure_random.h"
#include "fedcloak/dp/discrete_gaussian.h"
#include "fedcloak/dp/discrete_gaussian_rdp.h"

namespace fedcloak::dp {

struct DistributedDGaussParams {
  uint64_t dimension = 0;       // d: coordinates of one model update
  double l2_clip = 0;           // C > 0, in update units
  double noise_multiplier = 0;  // z > 0: noise std of the sum = z * C
  double scale = 0;             // integer units per update unit (1 / gamma of the paper)
  uint32_t expected_sites = 0;  // sites whose noise makes up the sum (expected survivors)
  uint32_t max_sites = 0;       // most summands, >= expected_sites (capacity check)
  bool rotate = true;           // randomized Hadamard rotation (pads to a power of two)
  // beta of conditional rounding in [0, 1); 0 disables the condition (looser bound).
  double rounding_beta = 0.60653065971263342;  // exp(-1/2), as in the paper's experiments
  int modulus_bits = 32;                       // the sum lives mod 2^modulus_bits, 2..32
  int capacity_failure_log2 = 64;              // P[sum wraps] <= 2^-this, 16..128
};

class DistributedDGauss {
 public:
  // InvalidArgument naming the bad field; for a modulus too small, the message names
  // the signal, rounding and noise-tail bounds and 2^(modulus_bits - 1).
  static absl::StatusOr<DistributedDGauss> Create(const DistributedDGaussParams& params);

  // The largest `scale` for which Create() accepts `params` (params.scale is ignored).
  // InvalidArgument if even a tiny scale cannot fit (e.g. max_sites >= 2^(b-1)).
  static absl::StatusOr<double> MaxScale(const DistributedDGaussParams& params);

  const DistributedDGaussParams& params() const { return params_; }
  // Coordinates of an encoded update and of the aggregate: a power of two if rotating.
  uint64_t encoded_dimension() const { return encoded_dimension_; }
  double site_sigma() const { return sampler_.sigma(); }  // integer units
  // Bound on the L2 norm of the rounded vector (integer units): Delta_2.
  double rounded_norm_bound() const { return rounded_norm_bound_; }
  // |coordinate of the aggregate| stays below this except with prob 2^-capacity_failure_log2.
  double aggregate_bound() const { return aggregate_bound_; }

  // Site side, once per site per round: `update` has dimension() entries (InvalidArgument
  // otherwise, or for a non-finite entry); `rotation_seed` is the round's public seed.
  // Returns encoded_dimension() words, each the two's complement value mod 2^b,
  // ready to be masked or encrypted and summed mod 2^b.
  absl::StatusOr<SecretVector<uint32_t>> EncodeSiteUpdate(
      std::span<const double> update, std::span<const uint8_t, Prg::kSeedSize> rotation_seed,
      SecureRandom& rng) const;

  // Server side, once per round: `aggregate` is the sum mod 2^b of the encoded updates
  // of the surviving sites (encoded_dimension() words; InvalidArgument otherwise).
  // Returns dimension() values: the sum of the clipped updates plus noise, in update
  // units. Divide by the number of survivors for the mean.
  absl::StatusOr<std::vector<double>> DecodeAggregate(
      std::span<const uint32_t> aggregate,
      std::span<const uint8_t, Prg::kSeedSize> rotation_seed) const;

  // Privacy of one round when the sum carries the noise of `noise_shares` sites that
  // the adversary does not control (e.g. minimum survivors minus colluders): the
  // parameters of Kairouz et al. Proposition 14 for RDP accounting. InvalidArgument if
  // noise_shares == 0.
  absl::StatusOr<DdgRoundParams> RoundPrivacy(uint32_t noise_shares) const;

 private:
  DistributedDGauss(const DistributedDGaussParams& params, DiscreteGaussianSampler sampler)
      : params_(params), sampler_(std::move(sampler)) {}

  DistributedDGaussParams params_;
  DiscreteGaussianSampler sampler_;
  uint64_t encoded_dimension_ = 0;
  double rounded_norm_bound_ = 0;
  double aggregate_bound_ = 0;
};

// Scales `v` in place so that its L2 norm is at most `clip` (unchanged if it already is).
void ClipToL2Norm(std::span<double> v, double clip);

// The bound on the norm after conditional randomized rounding of a vector of norm at
// most `norm` in `dimension` coordinates (Kairouz et al. Theorem 1 / Proposition 22):
// min(norm + sqrt(d), sqrt(norm^2 + d/4 + sqrt(2 ln(1/beta)) (norm + sqrt(d)/2))).
double RoundedNormBound(double norm, uint64_t dimension, double beta);

// Conditional randomized rounding (Kairouz et al., Algorithm 1 step 4): rounds each
// coordinate of `scaled` up with probability equal to its fractional part, and retries
// until the L2 norm of the result is at most `norm_bound`. REQUIRES: |coordinates| <
// 2^62. Returns Internal after `max_attempts` failures (for norm_bound =
// RoundedNormBound(||scaled||, d, beta), each attempt fails with probability <= beta).
// The number of attempts depends on the data; see doc/threat_model.md.
absl::StatusOr<SecretVector<int64_t>> ConditionalRandomizedRound(std::span<const double> scaled,
                                                                 double norm_bound,
                                                                 SecureRandom& rng,
                                                                 int max_attempts = 1000);

}  // namespace fedcloak::dp

#endif  // FEDCLOAK_DP_DISTRIBUTED_DGAUSS_H_
