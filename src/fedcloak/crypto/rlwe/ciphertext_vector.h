// CiphertextVector: a vector of uint32 values (a model update) encrypted under the
// collective public key, as ceil(num_values / N) RLWE ciphertexts (c0, c1) with one
// value per coefficient (value j of ciphertext k is coefficient j of block k).
//
// c0 is stored in coefficient form (decryption converts it directly to fixed point),
// c1 in NTT form (decryption shares multiply it by the key share pointwise). Both are
// uniformly distributed mod q, so the two forms cost the same on the wire.
//
// The vector carries its parameter id, session id, round id and noise weight (the sum
// of squared scalar weights of the fresh encryptions summed into it); Add refuses to
// exceed the parameter set's max_noise_weight, which is what the noise analysis covers.
// Movable and copyable (public data). Not thread-safe for mutation.
#ifndef FEDCLOAK_CRYPTO_RLWE_CIPHERTEXT_VECTOR_H_
#define FEDCLOAK_CRYPTO_RLWE_CIPHERTEXT_VECTOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/base/blob.h"
#include "fedcloak/base/secure_random.h"
#include "fedcloak/crypto/rlwe/public_key.h"
#include "fedcloak/crypto/rlwe/rlwe_context.h"

namespace fedcloak::crypto {

// What a loader requires of a ciphertext vector besides its parameter set.
struct CiphertextExpectation {
  SessionId session;
  uint64_t round = 0;
  std::optional<uint64_t> num_values;  // unset: any count in [1, 2^30]
};

class CiphertextVector {
 public:
  // Largest number of values in one vector (the noise analysis' union bound).
  static constexpr uint64_t kMaxValues = uint64_t{1} << kMaxCoefficientsLog2;

  CiphertextVector() = default;

  // Encrypts `values` (each < t; any uint32 when t = 2^32) under `key` for `round`.
  // Randomness: one 32-byte seed from `rng`, expanded by a Prg. InvalidArgument if
  // values is empty, longer than kMaxValues, or holds a value >= t.
  static absl::StatusOr<CiphertextVector> Encrypt(const CollectivePublicKey& key,
                                                  std::span<const uint32_t> values, uint64_t round,
                                                  SecureRandom& rng);
  // As Encrypt, reusing the storage of `out` (no page faults for a warm buffer).
  static absl::Status EncryptInto(const CollectivePublicKey& key, std::span<const uint32_t> values,
                                  uint64_t round, SecureRandom& rng, CiphertextVector* out);

  // this += other. InvalidArgument if parameter set, session, round or size differ;
  // FailedPrecondition if the noise weight would exceed max_noise_weight.
  absl::Status Add(const CiphertextVector& other);
  // this *= w (a public integer weight, 1 <= w < t). FailedPrecondition if the noise
  // weight (multiplied by w^2) would exceed max_noise_weight; InvalidArgument for w = 0.
  absl::Status MultiplyByScalar(uint32_t w);

  // Blob kind 0x0114; layout in doc/wire_format.md. Serialize clears `out` and writes
  // into it (its capacity is reused).
  void Serialize(std::vector<uint8_t>* out) const;
  std::vector<uint8_t> Serialize() const;
  size_t SerializedSize() const;

  // Parses and validates a serialized vector: header (kind, parameter id, session,
  // round), counts, exact payload size before allocating, every coefficient < its prime.
  // InvalidArgument for wrong ids or counts, DataLoss for malformed bytes.
  static absl::StatusOr<CiphertextVector> Load(std::shared_ptr<const RlweContext> ctx,
                                               std::span<const uint8_t> bytes,
                                               const CiphertextExpectation& expected);
  // As Load, reusing the storage of `out`. On error `out` is left empty.
  static absl::Status LoadInto(std::shared_ptr<const RlweContext> ctx,
                               std::span<const uint8_t> bytes,
                               const CiphertextExpectation& expected, CiphertextVector* out);

  bool empty() const { return ctx_ == nullptr; }
  const RlweContext& context() const { return *ctx_; }
  uint64_t parameter_id() const { return ctx_->parameter_id(); }
  const SessionId& session() const { return session_; }
  uint64_t round() const { return round_; }
  uint64_t num_values() const { return num_values_; }
  size_t num_ciphertexts() const { return num_ciphertexts_; }
  uint64_t noise_weight() const { return noise_weight_; }
  // Ciphertext k: c0 (coefficient form) and c1 (NTT form), poly_words() words each.
  const uint64_t* c0(size_t k) const { return data_.data() + 2 * k * ctx_->poly_words(); }
  const uint64_t* c1(size_t k) const { return c0(k) + ctx_->poly_words(); }

 private:
  absl::Status CheckCompatible(const CiphertextVector& other) const;
  void Reset(std::shared_ptr<const RlweContext> ctx, const SessionId& session, uint64_t round,
             uint64_t num_values, uint64_t noise_weight);

  std::shared_ptr<const RlweContext> ctx_;
  SessionId session_;
  uint64_t round_ = 0;
  uint64_t num_values_ = 0;
  size_t num_ciphertexts_ = 0;
  uint64_t noise_weight_ = 0;
  std::vector<uint64_t> data_;
};

}  // namespace fedcloak::crypto

#endif  // FEDCLOAK_CRYPTO_RLWE_CIPHERTEXT_VECTOR_H_
