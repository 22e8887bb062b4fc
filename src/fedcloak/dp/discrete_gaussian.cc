#include "fedcloak/dp/discrete_gaussian.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "absl/status/status.h"
#include "fedcloak/base/check.h"
#include "fedcloak/base/secret.h"
#include "fedcloak/dp/constant_time.h"

namespace fedcloak::dp {
namespace {

// 2^L >= kTailScale * t: the proposal |Z| is truncated below 2^L, which removes
// probability mass below exp(-50) < 2^-72 of the discrete Laplace proposal.
constexpr double kTailScale = 50.0;
constexpr size_t kChunkRounds = 256;

// ln 2 split so that k * kLn2Hi is exact for k < 2^20 (fdlibm's split).
constexpr double kLn2Hi = 6.93147180369123816490e-01;
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kInvLn2 = 1.44269504088896338700e+00;

// c_j = round(2^63 / j!) for j = 0..20; 20! is the last factorial below 2^64.
constexpr int kExpDegree = 20;
constexpr std::array<uint64_t, kExpDegree + 1> MakeExpCoefficients() {
  std::array<uint64_t, kExpDegree + 1> c{};
  unsigned __int128 factorial = 1;
  for (int j = 0; j <= kExpDegree; ++j) {
    if (j > 0) factorial *= static_cast<unsigned>(j);
    const unsigned __int128 two63 = static_cast<unsigned __int128>(1) << 63;
    c[static_cast<size_t>(j)] = static_cast<uint64_t>((two63 + factorial / 2) / factorial);
  }
  return c;
}
constexpr std::array<uint64_t, kExpDegree + 1> kExpCoefficients = MakeExpCoefficients();

inline uint64_t MulHi(uint64_t a, uint64_t b) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(a) * b) >> 64);
}

// floor(2^63 * exp(-x)) up to an absolute error of 2^-58 relative to 2^63, and 0 when
// x >= 64 ln 2. REQUIRES: 0 <= x < 2^40. Branch-free: exp(-x) = 2^-k exp(-r) with
// k = floor(x / ln 2), r in [0, ln 2), exp(-r) by a degree-20 Taylor polynomial in
// 64-bit fixed point (truncation error below 0.7^21 / 21! < 2^-76).
inline uint64_t ExpNegFixed63(double x) {
  const int64_t k = static_cast<int64_t>(x * kInvLn2);
  const double kd = static_cast<double>(k);
  const double r = (x - kd * kLn2Hi) - kd * kLn2Lo;
  // r may leave [0, ln 2) by a rounding error; a negative value is clamped to zero.
  int64_t r63 = static_cast<int64_t>(r * 0x1p63);
  r63 &= ~(r63 >> 63);
  const uint64_t r64 = static_cast<uint64_t>(r63) << 1;
  uint64_t y = kExpCoefficients[kExpDegree];
  for (int j = kExpDegree - 1; j >= 0; --j) {
    y = kExpCoefficients[static_cast<size_t>(j)] - MulHi(r64, y);
  }
  const uint64_t ku = static_cast<uint64_t>(k);
  const uint64_t too_small = internal::CtLess(63, ku);  // exp(-x) < 2^-63
  const uint64_t shift = internal::CtSelect(too_small, 63, ku);
  return (y >> shift) & (too_small - 1);
}

// Chernoff: P[Binomial(m, p) <= a m] <= exp(-m D(a || p)) for a < p.
double KlBernoulli(double a, double p) {
  double d = (1 - a) * std::log((1 - a) / (1 - p));
  if (a > 0) d += a * std::log(a / p);
  return d;
}

}  // namespace

absl::StatusOr<DiscreteGaussianSampler> DiscreteGaussianSampler::Create(double sigma) {
  if (!(sigma >= kMinSigma && sigma <= kMaxSigma)) {
    return absl::InvalidArgumentError(
        fmt::format("discrete Gaussian sigma {} outside [{}, {}]", sigma, kMinSigma, kMaxSigma));
  }
  DiscreteGaussianSampler s;
  s.sigma_ = sigma;
  const double t = std::floor(sigma) + 1;
  const double sigma2 = sigma * sigma;
  s.inv_t_ = 1.0 / t;
  s.center_ = sigma2 / t;
  s.inv_two_sigma2_ = 1.0 / (2 * sigma2);
  int total = 0;
  while (std::ldexp(1.0, total) < kTailScale * t) ++total;
  s.total_bits_ = total;

  // S = sum over all integers y of exp(-y^2 / (2 sigma^2)); by Poisson summation
  // S = sqrt(2 pi) sigma (1 + 2 sum_k exp(-2 pi^2 sigma^2 k^2)) >= sqrt(2 pi) sigma.
  double mass = 0;
  if (sigma < 8) {
    const int64_t limit = static_cast<int64_t>(std::ceil(40 * sigma)) + 1;
    for (int64_t y = -limit; y <= limit; ++y) {
      const double yd = static_cast<double>(y);
      mass += std::exp(-yd * yd / (2 * sigma2));
    }
  } else {
    mass = std::sqrt(2 * std::numbers::pi) * sigma;
  }
  // One round proposes U uniform in [0, 2^k) plus the high bits of a geometric, and
  // accepts with probability exp(-U/t - (Y - sigma^2/t)^2 / (2 sigma^2)). Since
  // r^y exp(-(y - sigma^2/t)^2/(2 sigma^2)) = exp(-y^2/(2 sigma^2) - sigma^2/(2 t^2)),
  // P[accept] = (1 - e^{-2^k/t}) / (2 * 2^k) * e^{-sigma^2/(2 t^2)} * S. Pick k
  // minimizing the random words per accepted sample, (2 + L - k) / P[accept].
  double best_cost = 0;
  for (int k = 0; k < total; ++k) {
    const double big_k = std::ldexp(1.0, k);
    const double accept =
        -std::expm1(-big_k / t) / (2 * big_k) * std::exp(-sigma2 / (2 * t * t)) * mass;
    const double cost = static_cast<double>(2 + total - k) / accept;
    if (k == 0 || cost < best_cost) {
      best_cost = cost;
      s.low_bits_ = k;
      s.acceptance_ = accept * (1 - 0x1p-40);
    }
  }
  s.words_per_round_ = static_cast<size_t>(2 + total - s.low_bits_);
  // Bit i of a geometric variable with ratio r = e^{-1/t} is 1 with probability
  // r^(2^i) / (1 + r^(2^i)) = 1 / (1 + e^(2^i / t)), independently of the other bits.
  for (int i = s.low_bits_; i < total; ++i) {
    const long double q =
        1.0L / (1.0L + std::exp(std::ldexp(1.0L, i) / static_cast<long double>(t)));
    s.bit_thresholds_.push_back(static_cast<uint64_t>(std::floor(q * 0x1p64L)));
  }
  return s;
}

uint64_t DiscreteGaussianSampler::RoundsFor(uint64_t n) const {
  if (n == 0) return 0;
  const double target = kRoundFailureLog2 * std::numbers::ln2;
  const double p = acceptance_;
  const double fails = static_cast<double>(n - 1);
  // Exponent m * D((n-1)/m || p), increasing in m once (n-1)/m < p.
  auto exponent = [&](uint64_t m) {
    const double md = static_cast<double>(m);
    return md * KlBernoulli(fails / md, p);
  };
  uint64_t lo = static_cast<uint64_t>(std::floor(fails / p)) + 1;  // exponent(lo) may be small
  uint64_t step = 1;
  uint64_t hi = lo;
  while (exponent(hi) < target) {
    lo = hi;
    hi += step;
    step *= 2;
  }
  // Invariant: exponent(hi) >= target; find the least such m in (lo, hi].
  while (hi - lo > 1) {
    const uint64_t mid = lo + (hi - lo) / 2;
    if (exponent(mid) >= target) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return hi;
}

void DiscreteGaussianSampler::RunRounds(std::span<const uint64_t> words, size_t rounds,
                                        std::span<int64_t> out, uint64_t* count) const {
  const uint64_t n = out.size();
  const uint64_t low_mask = (uint64_t{1} << low_bits_) - 1;
  const size_t high_bits = bit_thresholds_.size();
  const uint64_t* thresholds = bit_thresholds_.data();
  uint64_t c = *count;
  for (size_t j = 0; j < rounds; ++j) {
    const uint64_t* w = words.data() + j * words_per_round_;
    const uint64_t u = w[0] & low_mask;
    const uint64_t sign = w[0] >> 63;
    uint64_t y = u;
    for (size_t i = 0; i < high_bits; ++i) {
      y |= internal::CtLess(w[2 + i], thresholds[i]) << (static_cast<size_t>(low_bits_) + i);
    }
    const double d = static_cast<double>(static_cast<int64_t>(y)) - center_;
    const double x =
        static_cast<double>(static_cast<int64_t>(u)) * inv_t_ + d * d * inv_two_sigma2_;
    uint64_t accept = internal::CtLess(w[1] >> 1, ExpNegFixed63(x));
    // (sign = 1, |Z| = 0) is rejected so that zero is not proposed twice as often.
    accept &= 1 ^ (sign & internal::CtIsZero(y));
    const int64_t z = static_cast<int64_t>((y ^ (0 - sign)) + sign);
    const uint64_t full = internal::CtEqual(c, n);
    const uint64_t take = accept & (full ^ 1);
    const size_t index = static_cast<size_t>(c - full);
    out[index] = static_cast<int64_t>(
        internal::CtSelect(take, static_cast<uint64_t>(z), static_cast<uint64_t>(out[index])));
    c += take;
  }
  *count = c;
}

void DiscreteGaussianSampler::Sample(SecureRandom& rng, std::span<int64_t> out) const {
  if (out.empty()) return;
  const uint64_t fixed_rounds = RoundsFor(out.size());
  const size_t chunk = static_cast<size_t>(std::min<uint64_t>(fixed_rounds, kChunkRounds));
  SecretVector<uint64_t> words(chunk * words_per_round_);
  std::fill(out.begin(), out.end(), 0);
  uint64_t done = 0;
  uint64_t count = 0;
  // The schedule is fixed: `fixed_rounds` rounds. Only with probability < 2^-64 are
  // fewer than out.size() accepted; extra rounds then follow (see the header).
  while (done < fixed_rounds || count < out.size()) {
    const size_t rounds = done < fixed_rounds
                              ? static_cast<size_t>(std::min<uint64_t>(chunk, fixed_rounds - done))
                              : chunk;
    std::span<uint64_t> used = words.span().first(rounds * words_per_round_);
    rng.Fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(used.data()), used.size_bytes()));
    RunRounds(used, rounds, out, &count);
    done += rounds;
  }
  FEDCLOAK_CHECK(count == out.size(), "discrete Gaussian sampler lost a sample");
}

int64_t DiscreteGaussianSampler::SampleOne(SecureRandom& rng) const {
  int64_t z = 0;
  Sample(rng, std::span<int64_t>(&z, 1));
  return z;
}

}  // namespace fedcloak::dp
