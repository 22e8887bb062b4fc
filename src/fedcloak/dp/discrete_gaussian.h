// DiscreteGaussianSampler: samples N_Z(0, sigma^2), the discrete Gaussian over the
// integers (P[z] proportional to exp(-z^2 / (2 sigma^2))), after Canonne, Kamath and
// Steinke, "The Discrete Gaussian for Differential Privacy" (NeurIPS 2020), Algorithm 3:
// propose a discrete Laplace value Z with scale t = floor(sigma) + 1, accept it with
// probability exp(-(|Z| - sigma^2 / t)^2 / (2 sigma^2)).
//
// Constant time: every rejection round does the same work whatever the candidate
// (masks instead of branches; no table indexed by a secret), and a call for n samples
// runs a fixed number of rounds M(n) that depends only on n and sigma, chosen so that
// fewer than n acceptances in M(n) rounds has probability below 2^-64 (RoundsFor()). In
// that event the call runs extra rounds, which reveals only the number of rejections,
// a quantity independent of the returned values. The memory addresses written depend
// only on the accept/reject pattern, also independent of the values.
//
// Exactness: a sampler that reads a bounded number of random bits cannot output
// irrational probabilities, so no constant-time sampler is exactly N_Z(0, sigma^2).
// Here each candidate's acceptance probability is within a factor (1 +- 2^-44) plus an
// additive 2^-63 of the ideal one, and the proposal is cut at |z| < 2^L >= 50 t (mass
// below 2^-72); doc/threat_model.md ("Differential privacy") derives the bound.
//
// Immutable after Create(); all methods are const and thread-safe (each caller passes
// its own SecureRandom).
#ifndef FEDCLOAK_DP_DISCRETE_GAUSSIAN_H_
#define FEDCLOAK_DP_DISCRETE_GAUSSIAN_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/base/secure_random.h"

namespace fedcloak::dp {

class DiscreteGaussianSampler {
 public:
  static constexpr double kMinSigma = 0.1;
  static constexpr double kMaxSigma = double{1 << 24};
  // log2 of the bound on the probability that a call needs more than RoundsFor(n).
  static constexpr int kRoundFailureLog2 = 64;

  // Returns InvalidArgument unless kMinSigma <= sigma <= kMaxSigma (and finite).
  static absl::StatusOr<DiscreteGaussianSampler> Create(double sigma);

  double sigma() const { return sigma_; }

  // Fills `out` with independent samples, drawing all randomness from `rng`.
  void Sample(SecureRandom& rng, std::span<int64_t> out) const;
  int64_t SampleOne(SecureRandom& rng) const;

  // The fixed number of rejection rounds run for n samples: the least M with
  // P[Binomial(M, p) < n] <= 2^-64 (Chernoff bound), p = acceptance_probability().
  uint64_t RoundsFor(uint64_t n) const;

  // A lower bound on the probability that one round accepts (exact up to 2^-40).
  double acceptance_probability() const { return acceptance_; }

  // Every sample satisfies |z| < support_bound() (the proposal is truncated there).
  int64_t support_bound() const { return int64_t{1} << total_bits_; }

 private:
  DiscreteGaussianSampler() = default;

  // Runs `rounds` rejection rounds over `words` (rounds * words_per_round_ uniform
  // words), writing accepted values to out[*count] while *count < out.size().
  void RunRounds(std::span<const uint64_t> words, size_t rounds, std::span<int64_t> out,
                 uint64_t* count) const;

  double sigma_ = 0;
  double inv_t_ = 0;            // 1 / t
  double center_ = 0;           // sigma^2 / t
  double inv_two_sigma2_ = 0;   // 1 / (2 sigma^2)
  int low_bits_ = 0;            // k: the low k bits of |Z| are drawn uniformly
  int total_bits_ = 0;          // L: |Z| < 2^L
  size_t words_per_round_ = 0;  // 2 + (L - k)
  double acceptance_ = 0;
  std::vector<uint64_t> bit_thresholds_;  // bit i of |Z| (i >= k) is 1 iff u < T_i
};

}  // namespace fedcloak::dp

#endif  // FEDCLOAK_DP_DISCRETE_GAUSSIAN_H_
