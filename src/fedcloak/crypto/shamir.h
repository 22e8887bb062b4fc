// Shamir t-of-n secret sharing over a prime field Z_p, vectorised: every element of a
// secret vector gets its own random polynomial of degree t-1; party j (1-based evaluation
// point x = j) receives the vector of evaluations. Used by SecAgg+ (mask keys and
// self-mask seeds, through ShareBytes) and by threshold HE (coefficients of the RLWE
// secret shares, once per RNS prime).
//
// Arithmetic on secret values (sharing, reconstruction) is branch-free and table-free:
// products are reduced with Montgomery multiplication and a masked final subtraction,
// never with the `%` operator, whose latency depends on its operands on some CPUs.
// Lagrange coefficients depend only on the public evaluation points.
//
// Immutable after Create; thread-safe (const methods only). Copyable (holds public
// parameters only).
#ifndef FEDCLOAK_CRYPTO_SHAMIR_H_
#define FEDCLOAK_CRYPTO_SHAMIR_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/base/secret.h"
#include "fedcloak/base/secure_random.h"

namespace fedcloak::crypto {

// Deterministic Miller-Rabin (bases 2..37), exact for every 64-bit integer.
bool IsPrime(uint64_t n);

class ShamirScheme {
 public:
  // The Mersenne prime 2^61 - 1: the field used for byte secrets.
  static constexpr uint64_t kMersenne61 = (uint64_t{1} << 61) - 1;
  // Bytes packed into one field element by ShareBytes (56 bits < 61).
  static constexpr size_t kBytesPerElement = 7;

  // InvalidArgument unless 1 <= threshold <= num_parties, num_parties < prime,
  // 2 < prime < 2^62 and prime is prime. The message names the offending numbers.
  static absl::StatusOr<ShamirScheme> Create(uint32_t threshold, uint32_t num_parties,
                                             uint64_t prime);

  uint32_t threshold() const { return threshold_; }
  uint32_t num_parties() const { return num_parties_; }
  uint64_t prime() const { return p_; }

  // Shares every element of `secret` (each < prime, else InvalidArgument) with its own
  // polynomial of degree threshold-1 whose other coefficients are uniform draws from
  // `rng`. Returns num_parties vectors of secret.size() elements; vector j (0-based) is
  // the share for evaluation point x = j + 1.
  absl::StatusOr<std::vector<SecretVector<uint64_t>>> Share(std::span<const uint64_t> secret,
                                                            SecureRandom& rng) const;

  // The Lagrange coefficient at x = 0 of `point` for the set `points`, mod prime.
  // InvalidArgument if `point` is not in `points`, `points` has duplicates or a point
  // outside [1, num_parties]; FailedPrecondition if points.size() < threshold.
  absl::StatusOr<uint64_t> LagrangeAtZero(uint32_t point, std::span<const uint32_t> points) const;

  // Reconstructs the secret vector from shares[i] held at evaluation point points[i].
  // Errors as for LagrangeAtZero; InvalidArgument also if points.size() != shares.size(),
  // the shares differ in length, or a share element is >= prime.
  absl::StatusOr<SecretVector<uint64_t>> Reconstruct(
      std::span<const uint32_t> points, std::span<const std::span<const uint64_t>> shares) const;

  // Byte secrets (32-byte keys and seeds). REQUIRES prime > 2^56 (else
  // FailedPrecondition): bytes are packed little-endian, kBytesPerElement per element,
  // the last element zero-padded; each share has ceil(size / 7) elements.
  absl::StatusOr<std::vector<SecretVector<uint64_t>>> ShareBytes(std::span<const uint8_t> secret,
                                                                 SecureRandom& rng) const;
  // Inverse of ShareBytes for a secret of `byte_length` bytes. Besides the errors of
  // Reconstruct: InvalidArgument if the shares do not have ceil(byte_length / 7)
  // elements, DataLoss if the reconstructed elements are not packed bytes (shares that
  // were corrupted or come from different secrets).
  absl::StatusOr<SecretBytes> ReconstructBytes(std::span<const uint32_t> points,
                                               std::span<const std::span<const uint64_t>> shares,
                                               size_t byte_length) const;

 private:
  ShamirScheme(uint32_t threshold, uint32_t num_parties, uint64_t prime);

  absl::Status CheckPoints(std::span<const uint32_t> points) const;
  // Lagrange coefficients at zero for all of `points` (validated), in Montgomery form.
  std::vector<uint64_t> LagrangeCoefficientsMont(std::span<const uint32_t> points) const;

  // Montgomery arithmetic with R = 2^64; inputs and outputs in [0, p).
  uint64_t MontMul(uint64_t a, uint64_t b) const;
  uint64_t ToMont(uint64_t a) const { return MontMul(a, r2_); }
  uint64_t AddMod(uint64_t a, uint64_t b) const;

  uint32_t threshold_;
  uint32_t num_parties_;
  uint64_t p_;
  uint64_t p_neg_inv_;  // -p^{-1} mod 2^64
  uint64_t r2_;         // 2^128 mod p
};

}  // namespace fedcloak::crypto

#endif  // FEDCLOAK_CRYPTO_SHAMIR_H_
