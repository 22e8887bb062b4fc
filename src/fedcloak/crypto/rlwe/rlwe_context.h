// RlweContext: everything derived from an RlweParameters that the scheme's operations
// need: the Modulus and NttTables of each RNS prime, the plaintext scaling constants and
// the constants of the fixed-point decoder. Built once per parameter set and shared
// (std::shared_ptr<const RlweContext>); immutable and thread-safe.
//
// Polynomials in R_q are stored in RNS form as num_primes() consecutive blocks of n()
// words, block i reduced mod prime i ("limb" i).
#ifndef FEDCLOAK_CRYPTO_RLWE_RLWE_CONTEXT_H_
#define FEDCLOAK_CRYPTO_RLWE_RLWE_CONTEXT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/base/blob.h"
#include "fedcloak/crypto/rlwe/modulus.h"
#include "fedcloak/crypto/rlwe/ntt.h"
#include "fedcloak/crypto/rlwe/rlwe_parameters.h"

namespace fedcloak::crypto {

class RlweContext {
 public:
  // Errors only if the parameters' primes do not admit NTT tables (never for a validated
  // RlweParameters; kept as a Status for safety).
  static absl::StatusOr<std::shared_ptr<const RlweContext>> Create(const RlweParameters& params);

  const RlweParameters& parameters() const { return params_; }
  uint64_t parameter_id() const { return params_.id(); }
  size_t n() const { return params_.ring_degree(); }
  size_t num_primes() const { return moduli_.size(); }
  // Words in one RNS polynomial: num_primes() * n().
  size_t poly_words() const { return n() * num_primes(); }
  const Modulus& modulus(size_t i) const { return moduli_[i]; }
  const NttTables& ntt(size_t i) const { return ntt_[i]; }
  uint64_t plaintext_modulus() const { return uint64_t{1} << params_.plaintext_bits(); }

  // Forward / inverse NTT of every limb of an RNS polynomial.
  void ForwardNtt(uint64_t* poly) const;
  void InverseNtt(uint64_t* poly) const;

  // poly += round(q * m / t) coefficient-wise (m[j] < t; coefficients past m.size()
  // untouched). `poly` in coefficient form with limbs reduced.
  void AddScaledPlaintext(std::span<const uint32_t> m, uint64_t* poly) const;

  // The fixed-point image of x in R/tZ: floor(2^32 * (t * x / q mod t)) mod t * 2^32,
  // up to an error of one unit, for the n coefficients of the RNS polynomial `poly`
  // (coefficient form, reduced). The map is additive, so decryption shares can be
  // exchanged in this compact form (doc/threat_model.md).
  void ToFixedPoint(const uint64_t* poly, uint64_t* out) const;
  // t * 2^32 - 1: fixed-point values live in [0, t * 2^32).
  uint64_t fixed_point_mask() const { return fixed_point_mask_; }
  int fixed_point_bits() const { return params_.plaintext_bits() + 32; }
  // Rounds a fixed-point sum to the plaintext: ((z + 2^31) >> 32) mod t.
  uint32_t DecodeFixedPoint(uint64_t z) const {
    return static_cast<uint32_t>(((z + (uint64_t{1} << 31)) & fixed_point_mask_) >> 32);
  }

  // The public polynomial `a` of a session, in NTT form: uniform mod each prime,
  // expanded by Prg(seed = session id, label bound to the parameter id).
  std::vector<uint64_t> CommonPolynomial(const SessionId& session) const;

 private:
  explicit RlweContext(const RlweParameters& params) : params_(params) {}

  RlweParameters params_;
  std::vector<Modulus> moduli_;
  std::vector<NttTables> ntt_;
  // Encoding: round(q m / t) = delta * m + floor((r * m + t / 2) / t), q = delta * t + r.
  uint64_t q_mod_t_ = 0;
  std::vector<uint64_t> delta_;  // delta mod q_i
  std::vector<uint64_t> delta_shoup_;
  // Decoding: x = sum_i y_i (q / q_i) - alpha q with y_i = x_i * (q / q_i)^-1 mod q_i;
  // t x / q = sum_i y_i t / q_i mod t. t * 2^64 / q_i = w_hi + w_lo / 2^64 (+ < 2^-64).
  std::vector<uint64_t> crt_inverse_;  // (q / q_i)^-1 mod q_i
  std::vector<uint64_t> crt_inverse_shoup_;
  std::vector<uint64_t> w_hi_;
  std::vector<uint64_t> w_lo_;
  uint64_t fixed_point_mask_ = 0;
};

}  // namespace fedcloak::crypto

#endif  // FEDCLOAK_CRYPTO_RLWE_RLWE_CONTEXT_H_
