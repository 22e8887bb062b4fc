// Mode `he`: threshold RLWE encryption (module crypto/rlwe). Once per session the sites
// run the multiparty key setup (each holds a Shamir share of a collective secret that
// exists nowhere); each round every selected site encrypts its fixed-point, example-
// weighted update (and its weight, as one more value) under the collective public key;
// the coordinator adds the ciphertexts and asks an active set of `threshold` surviving
// sites for decryption shares of the sum only.
#ifndef FEDCLOAK_FL_HE_AGGREGATION_H_
#define FEDCLOAK_FL_HE_AGGREGATION_H_

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "fedcloak/crypto/rlwe/public_key.h"
#include "fedcloak/crypto/rlwe/rlwe_context.h"
#include "fedcloak/fl/aggregation.h"

namespace fedcloak::fl {

struct HeOptions {
  uint32_t min_survivors = 1;
  uint32_t threshold = 2;     // t of the t-of-n key
  uint8_t parameter_set = 0;  // 0: N = 4096 (default), 1: N = 8192
};

// Returns the parameter set: RlweParameters::Default() or Default8192().
absl::StatusOr<std::shared_ptr<const crypto::RlweContext>> HeContextFor(uint8_t parameter_set);

class HeAggregation final : public Aggregation {
 public:
  explicit HeAggregation(HeOptions options) : options_(options) {}
  AggregationMode mode() const override { return AggregationMode::kHe; }

  // Enrollment and the multiparty key generation with every site of the run (all must
  // take part: FailedPrecondition naming those that did not). Also checks that every
  // site derived the same collective key as the coordinator.
  absl::Status Setup(std::span<SiteHandle* const> sites,
                     const std::map<std::string, Enrollment>& enrolled, const SessionId& session,
                     WorkerPool& pool, absl::Duration timeout) override;

  absl::StatusOr<AggregateOutcome> Aggregate(const RoundInput& input) override;

  // Available after Setup.
  const crypto::CollectivePublicKey& collective_key() const { return *collective_key_; }

 private:
  HeOptions options_;
  std::shared_ptr<const crypto::RlweContext> ctx_;
  std::optional<crypto::CollectivePublicKey> collective_key_;
  std::map<std::string, uint32_t> party_ids_;  // site name -> party id (1-based)
};

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_HE_AGGREGATION_H_
