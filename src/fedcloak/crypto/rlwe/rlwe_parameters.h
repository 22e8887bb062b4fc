// RlweParameters: a validated parameter set of the threshold RLWE scheme (ring degree,
// RNS primes, plaintext modulus, maximum number of sites and summed weight), with its
// parameter id and the noise analysis that proves decryption correct.
//
// Create() rejects, with a message naming the bound, any set that is
//  - insecure: the coefficient modulus (sum of the primes' bit sizes) exceeds the
//    HomomorphicEncryption.org bound for 128-bit classical security with ternary
//    secrets and sigma = 3.2 (27, 54, 109, 218, 438, 881 bits for N = 1024 ... 32768);
//    there is no opt-out;
//  - incorrect: for `max_sites` key holders and an aggregate of noise weight up to
//    `max_noise_weight` (sum of squared weights of the fresh ciphertexts in it), the
//    decryption error bound (fresh noise, growth, flooding of every decryption share,
//    fixed-point rounding) is not below Delta / 2 with failure probability <= 2^-40.
// The analysis is written out in doc/threat_model.md; noise() returns its numbers.
//
// Parameters are public: copyable, comparable, printable (ToString). Thread-safe.
#ifndef FEDCLOAK_CRYPTO_RLWE_RLWE_PARAMETERS_H_
#define FEDCLOAK_CRYPTO_RLWE_RLWE_PARAMETERS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace fedcloak::crypto {

// Errors are centered binomial with eta = 21: variance 10.5, sigma = 3.24, |e| <= 21.
inline constexpr int kRlweErrorEta = 21;
// Statistical hiding of a decryption share: flooding noise >= 2^40 x aggregate bound.
inline constexpr int kFloodingSecurityBits = 40;
// Decryption failure probability bound: 2^-40 for a whole decryption of up to
// 2^kMaxCoefficientsLog2 coefficients (union bound).
inline constexpr int kCorrectnessBits = 40;
inline constexpr int kMaxCoefficientsLog2 = 30;

// The numbers of the noise analysis (all log2 of absolute values in Z_q units).
struct RlweNoiseAnalysis {
  double fresh_sigma_log2 = 0;      // std. dev. of one fresh ciphertext's noise coefficient
  double aggregate_bound_log2 = 0;  // high-probability bound on the aggregate's noise
  int flooding_bits = 0;            // each share adds noise uniform in [-2^b, 2^b)
  double total_bound_log2 = 0;      // aggregate + max_sites x flooding + rounding
  double delta_half_log2 = 0;       // log2(q / 2^plaintext_bits / 2)
  double margin_bits = 0;           // delta_half_log2 - total_bound_log2 (must be > 0)
};

class RlweParameters {
 public:
  // Explicit primes (each prime, = 1 mod 2N, > 2^plaintext_bits, < 2^61, distinct).
  // `max_noise_weight` = 0 means max_sites (an unweighted sum of one ciphertext per site).
  // InvalidArgument naming the violated bound otherwise.
  static absl::StatusOr<RlweParameters> Create(size_t ring_degree, std::vector<uint64_t> primes,
                                               int plaintext_bits, uint32_t max_sites,
                                               uint64_t max_noise_weight = 0);
  // Primes generated as the largest of the given bit sizes that are 1 mod 2N (SEAL's
  // CoeffModulus::Create convention).
  static absl::StatusOr<RlweParameters> CreateFromPrimeSizes(size_t ring_degree,
                                                             std::vector<int> prime_bits,
                                                             int plaintext_bits, uint32_t max_sites,
                                                             uint64_t max_noise_weight = 0);
  // N = 4096, primes of 55 and 54 bits (log2 q = 109), t = 2^32, up to 1024 sites.
  static RlweParameters Default();
  // N = 8192, primes of 55 and 54 bits, t = 2^32, up to 1024 sites.
  static RlweParameters Default8192();

  size_t ring_degree() const { return ring_degree_; }
  const std::vector<uint64_t>& primes() const { return primes_; }
  size_t num_primes() const { return primes_.size(); }
  int plaintext_bits() const { return plaintext_bits_; }
  uint32_t max_sites() const { return max_sites_; }
  uint64_t max_noise_weight() const { return max_noise_weight_; }
  // Sum of the primes' bit sizes (the quantity the security table bounds).
  int coeff_modulus_bits() const { return coeff_modulus_bits_; }
  double log2_q() const;
  const RlweNoiseAnalysis& noise() const { return noise_; }
  // BLAKE2b of a canonical encoding of every field above; never 0.
  uint64_t id() const { return id_; }
  std::string ToString() const;

  friend bool operator==(const RlweParameters& a, const RlweParameters& b) {
    return a.id_ == b.id_ && a.primes_ == b.primes_;
  }

  // The HomomorphicEncryption.org bound for N (0 if N is not in the table).
  static int MaxCoeffModulusBits(size_t ring_degree);

 private:
  RlweParameters() = default;

  size_t ring_degree_ = 0;
  std::vector<uint64_t> primes_;
  int plaintext_bits_ = 0;
  uint32_t max_sites_ = 0;
  uint64_t max_noise_weight_ = 0;
  int coeff_modulus_bits_ = 0;
  RlweNoiseAnalysis noise_;
  uint64_t id_ = 0;
};

}  // namespace fedcloak::crypto

#endif  // FEDCLOAK_CRYPTO_RLWE_RLWE_PARAMETERS_H_
