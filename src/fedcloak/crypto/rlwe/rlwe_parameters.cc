#include "fedcloak/crypto/rlwe/rlwe_parameters.h"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <bit>
#include <cmath>

#include "fedcloak/base/bytes.h"
#include "fedcloak/base/check.h"
#include "fedcloak/base/status.h"
#include "fedcloak/crypto/rlwe/modulus.h"

namespace fedcloak::crypto {
namespace {

struct SecurityBound {
  size_t ring_degree;
  int max_bits;
};
// HomomorphicEncryption.org standard (2018), Table 1: 128-bit classical security,
// ternary secret, sigma = 3.2.
constexpr SecurityBound kSecurityTable[] = {{1024, 27},  {2048, 54},   {4096, 109},
                                            {8192, 218}, {16384, 438}, {32768, 881}};

// Writes the noise analysis of doc/threat_model.md; false if decryption can fail.
RlweNoiseAnalysis AnalyzeNoise(size_t n, double log2_q, int plaintext_bits, uint32_t max_sites,
                               uint64_t max_noise_weight) {
  const double sigma2 = kRlweErrorEta / 2.0;
  const double sites = max_sites;
  const double weight = static_cast<double>(max_noise_weight);
  // Fresh noise v = e_pk * u + e0 + e1 * s with e_pk = sum of max_sites errors, u ternary
  // (variance 2/3), s = sum of max_sites ternary secrets: each product coefficient is a
  // sum of N terms.
  const double fresh_var = (4.0 / 3.0) * static_cast<double>(n) * sites * sigma2 + sigma2;
  // Tail factor z with erfc(z / sqrt 2) <= 2^-(40 + 30): union bound over 2^30 coefficients.
  const double z = std::sqrt(2.0 * std::log(2.0) * (kCorrectnessBits + kMaxCoefficientsLog2));
  // An aggregate of weight W (sum of squared weights) has variance W * fresh_var, plus
  // at most W / 2 from the rounding of q * m / t in each encoding.
  const double aggregate = z * std::sqrt(weight * fresh_var) + weight / 2.0;
  RlweNoiseAnalysis a;
  a.fresh_sigma_log2 = 0.5 * std::log2(fresh_var);
  a.aggregate_bound_log2 = std::log2(aggregate);
  a.flooding_bits = static_cast<int>(std::ceil(a.aggregate_bound_log2)) + kFloodingSecurityBits;
  const double delta = std::exp2(log2_q - plaintext_bits);
  // Each share's fixed-point value is truncated by < 2^-31 plaintext units.
  const double rounding = (sites + 1.0) * std::exp2(-31.0) * delta;
  const double total = aggregate + sites * std::exp2(a.flooding_bits) + rounding;
  a.total_bound_log2 = std::log2(total);
  a.delta_half_log2 = std::log2(delta / 2.0);
  a.margin_bits = a.delta_half_log2 - a.total_bound_log2;
  return a;
}

}  // namespace

int RlweParameters::MaxCoeffModulusBits(size_t ring_degree) {
  for (const SecurityBound& b : kSecurityTable) {
    if (b.ring_degree == ring_degree) return b.max_bits;
  }
  return 0;
}

double RlweParameters::log2_q() const {
  double sum = 0;
  for (uint64_t p : primes_) sum += std::log2(static_cast<double>(p));
  return sum;
}

absl::StatusOr<RlweParameters> RlweParameters::Create(size_t ring_degree,
                                                      std::vector<uint64_t> primes,
                                                      int plaintext_bits, uint32_t max_sites,
                                                      uint64_t max_noise_weight) {
  const int max_bits = MaxCoeffModulusBits(ring_degree);
  if (max_bits == 0) {
    return absl::InvalidArgumentError(fmt::format(
        "ring degree {} is not supported (1024, 2048, 4096, 8192, 16384 or 32768)", ring_degree));
  }
  if (plaintext_bits < 1 || plaintext_bits > 32) {
    return absl::InvalidArgumentError(
        fmt::format("plaintext modulus 2^{} is outside [2^1, 2^32]", plaintext_bits));
  }
  if (max_sites < 2 || max_sites > 65536) {
    return absl::InvalidArgumentError(
        fmt::format("maximum number of sites {} is outside [2, 65536]", max_sites));
  }
  if (max_noise_weight == 0) max_noise_weight = max_sites;
  if (primes.empty() || primes.size() > 16) {
    return absl::InvalidArgumentError(
        fmt::format("{} RNS primes given; 1 to 16 are supported", primes.size()));
  }
  int total_bits = 0;
  for (size_t i = 0; i < primes.size(); ++i) {
    const uint64_t p = primes[i];
    const int p_bits = static_cast<int>(std::bit_width(p));
    FEDCLOAK_RETURN_IF_ERROR(Modulus::Create(p).status());
    if ((p - 1) % (2 * ring_degree) != 0) {
      return absl::InvalidArgumentError(
          fmt::format("prime {} is not 1 mod 2N = {}: no negacyclic NTT", p, 2 * ring_degree));
    }
    if (p_bits <= plaintext_bits) {
      return absl::InvalidArgumentError(fmt::format(
          "prime {} of {} bits must exceed the plaintext modulus 2^{}", p, p_bits, plaintext_bits));
    }
    if (std::count(primes.begin(), primes.end(), p) != 1) {
      return absl::InvalidArgumentError(fmt::format("prime {} appears more than once", p));
    }
    total_bits += p_bits;
  }
  if (total_bits > max_bits) {
    return absl::InvalidArgumentError(fmt::format(
        "coefficient modulus of {} bits exceeds {} allowed at N={} for 128-bit security",
        total_bits, max_bits, ring_degree));
  }
  RlweParameters params;
  params.ring_degree_ = ring_degree;
  params.primes_ = std::move(primes);
  params.plaintext_bits_ = plaintext_bits;
  params.max_sites_ = max_sites;
  params.max_noise_weight_ = max_noise_weight;
  params.coeff_modulus_bits_ = total_bits;
  params.noise_ =
      AnalyzeNoise(ring_degree, params.log2_q(), plaintext_bits, max_sites, max_noise_weight);
  const RlweNoiseAnalysis& a = params.noise_;
  if (a.flooding_bits > 62) {
    return absl::InvalidArgumentError(fmt::format(
        "flooding noise of 2^{} needed for {} sites and noise weight {} exceeds the 2^62 limit",
        a.flooding_bits, max_sites, max_noise_weight));
  }
  if (!(a.margin_bits > 0)) {
    return absl::InvalidArgumentError(fmt::format(
        "decryption may fail: noise bound 2^{:.1f} (aggregate 2^{:.1f}, {} sites x flooding "
        "2^{}) is not below Delta/2 = 2^{:.1f} for log2 q = {:.1f}, t = 2^{}",
        a.total_bound_log2, a.aggregate_bound_log2, max_sites, a.flooding_bits, a.delta_half_log2,
        params.log2_q(), plaintext_bits));
  }
  std::vector<uint8_t> canonical;
  ByteWriter w(&canonical);
  w.PutString("fedcloak.rlwe.parameters.v1");
  w.PutU64(ring_degree);
  w.PutU32(static_cast<uint32_t>(params.primes_.size()));
  for (uint64_t p : params.primes_) w.PutU64(p);
  w.PutU32(static_cast<uint32_t>(plaintext_bits));
  w.PutU32(static_cast<uint32_t>(kRlweErrorEta));
  w.PutU32(max_sites);
  w.PutU64(max_noise_weight);
  w.PutU32(static_cast<uint32_t>(a.flooding_bits));
  uint8_t digest[32];
  crypto_generichash(digest, sizeof(digest), canonical.data(), canonical.size(), nullptr, 0);
  uint64_t id = 0;
  for (int i = 0; i < 8; ++i) id |= uint64_t{digest[i]} << (8 * i);
  params.id_ = id == 0 ? 1 : id;
  return params;
}

absl::StatusOr<RlweParameters> RlweParameters::CreateFromPrimeSizes(size_t ring_degree,
                                                                    std::vector<int> prime_bits,
                                                                    int plaintext_bits,
                                                                    uint32_t max_sites,
                                                                    uint64_t max_noise_weight) {
  std::vector<uint64_t> primes;
  for (size_t i = 0; i < prime_bits.size(); ++i) {
    // Several primes of one size: take the next ones down.
    const int same_before = static_cast<int>(std::count(
        prime_bits.begin(), prime_bits.begin() + static_cast<ptrdiff_t>(i), prime_bits[i]));
    FEDCLOAK_ASSIGN_OR_RETURN(std::vector<uint64_t> candidates,
                              GenerateNttPrimes(prime_bits[i], ring_degree, same_before + 1));
    primes.push_back(candidates.back());
  }
  return Create(ring_degree, std::move(primes), plaintext_bits, max_sites, max_noise_weight);
}

RlweParameters RlweParameters::Default() {
  auto params = CreateFromPrimeSizes(4096, {55, 54}, 32, 1024);
  FEDCLOAK_CHECK(params.ok(), "default parameters are valid");
  return *std::move(params);
}

RlweParameters RlweParameters::Default8192() {
  auto params = CreateFromPrimeSizes(8192, {55, 54}, 32, 1024);
  FEDCLOAK_CHECK(params.ok(), "default N=8192 parameters are valid");
  return *std::move(params);
}

std::string RlweParameters::ToString() const {
  std::string primes;
  for (uint64_t p : primes_) primes += fmt::format("{}{}", primes.empty() ? "" : ",", p);
  return fmt::format(
      "RLWE(N={}, q=[{}] ({} bits), t=2^{}, max_sites={}, max_noise_weight={}, flooding=2^{}, "
      "margin={:.1f} bits, id={:#018x})",
      ring_degree_, primes, coeff_modulus_bits_, plaintext_bits_, max_sites_, max_noise_weight_,
      noise_.flooding_bits, noise_.margin_bits, id_);
}

}  // namespace fedcloak::crypto
