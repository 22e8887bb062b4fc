// DecryptionShare: party j's contribution to decrypting an aggregate for an active set
// T, d_j = lambda_{j,T} * S(j) * c1 + e_j (e_j flooding noise), sent in its fixed-point
// image in R/tZ: floor(2^32 * (t * d_j / q mod t)) for each of the aggregate's values.
// The map x -> t x / q mod t is additive on Z_q, so the plaintext is
// round(fixed(c0) + sum_j fixed(d_j)) / 2^32 mod t (CombineDecryptionShares); the share
// is num_values words of (log2 t + 32) bits instead of an RNS polynomial pair.
//
// Public data once produced; copyable, immutable, thread-safe.
#ifndef FEDCLOAK_CRYPTO_RLWE_DECRYPTION_SHARE_H_
#define FEDCLOAK_CRYPTO_RLWE_DECRYPTION_SHARE_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/base/blob.h"
#include "fedcloak/crypto/rlwe/ciphertext_vector.h"
#include "fedcloak/crypto/rlwe/rlwe_context.h"

namespace fedcloak::crypto {

class DecryptionShare {
 public:
  // Used by ThresholdHeParty. `active_set` sorted, distinct.
  static DecryptionShare FromValues(uint64_t parameter_id, const SessionId& session, uint64_t round,
                                    uint32_t party_id, std::vector<uint32_t> active_set,
                                    std::vector<uint64_t> values);

  // Blob kind 0x0115. InvalidArgument for a wrong kind, parameter id, session or round,
  // an active set that is unsorted, repeated, contains 0 or ids above max_sites or does
  // not contain the party; DataLoss for malformed bytes or values >= t * 2^32.
  static absl::StatusOr<DecryptionShare> Load(const RlweContext& ctx,
                                              std::span<const uint8_t> bytes,
                                              const SessionId& session, uint64_t round);
  std::vector<uint8_t> Serialize(const RlweContext& ctx) const;
  // Writes the blob Serialize would produce for these fields into `out` (cleared; its
  // capacity is reused), without building a DecryptionShare. `active_set` sorted,
  // distinct; every value < t * 2^32.
  static void SerializeValues(const RlweContext& ctx, uint64_t parameter_id,
                              const SessionId& session, uint64_t round, uint32_t party_id,
                              std::span<const uint32_t> active_set,
                              std::span<const uint64_t> values, std::vector<uint8_t>* out);

  uint64_t parameter_id() const { return parameter_id_; }
  const SessionId& session() const { return session_; }
  uint64_t round() const { return round_; }
  uint32_t party_id() const { return party_id_; }
  const std::vector<uint32_t>& active_set() const { return active_set_; }
  const std::vector<uint64_t>& values() const { return values_; }

 private:
  DecryptionShare() = default;

  uint64_t parameter_id_ = 0;
  SessionId session_;
  uint64_t round_ = 0;
  uint32_t party_id_ = 0;
  std::vector<uint32_t> active_set_;
  std::vector<uint64_t> values_;
};

// Decrypts `aggregate` from the shares of every member of one active set T with
// |T| >= threshold. FailedPrecondition if fewer than `threshold` shares are given;
// InvalidArgument if the shares disagree on T, do not come from exactly the members of
// T, or belong to another parameter set, session, round or value count.
absl::StatusOr<std::vector<uint32_t>> CombineDecryptionShares(
    const CiphertextVector& aggregate, std::span<const DecryptionShare> shares, uint32_t threshold);
// As CombineDecryptionShares, writing into `out` (resized; its capacity is reused, so a
// buffer kept across rounds avoids fresh pages). On error `out` is unchanged.
absl::Status CombineDecryptionSharesInto(const CiphertextVector& aggregate,
                                         std::span<const DecryptionShare> shares,
                                         uint32_t threshold, std::vector<uint32_t>* out);

namespace internal {
// Checks that `active_set` is sorted, distinct, within [1, max_id], and of size >=
// threshold (FailedPrecondition otherwise; InvalidArgument for the rest).
absl::Status CheckActiveSet(std::span<const uint32_t> active_set, uint32_t max_id,
                            uint32_t threshold);
}  // namespace internal

}  // namespace fedcloak::crypto

#endif  // FEDCLOAK_CRYPTO_RLWE_DECRYPTION_SHARE_H_
