// Mode `secagg`: SecAgg+ (Bell et al. 2020) over the engine's tasks. Each selected site
// masks its fixed-point-encoded, example-weighted update so that the masks cancel in the
// sum; the coordinator learns only the sum over the sites that survive the round and
// their total weight. Sites enroll their long-term identity keys once per session.
#ifndef FEDCLOAK_FL_SECAGG_AGGREGATION_H_
#define FEDCLOAK_FL_SECAGG_AGGREGATION_H_

#include <map>
#include <string>

#include "fedcloak/crypto/ed25519.h"
#include "fedcloak/fl/aggregation.h"
#include "fedcloak/secagg/parameters.h"

namespace fedcloak::fl {

struct SecAggOptions {
  uint32_t min_survivors = 1;
  // 0: derived from the round's number of sites (SecAggParameters::Derive).
  uint32_t neighbours = 0;
  uint32_t threshold = 0;
  secagg::ThreatModel threat_model;
};

class SecAggAggregation final : public Aggregation {
 public:
  explicit SecAggAggregation(SecAggOptions options) : options_(options) {}
  AggregationMode mode() const override { return AggregationMode::kSecAgg; }

  // Keeps the enrolled sites' identity keys. Sites that did not enroll take no part in
  // secure rounds (they are reported as dropouts).
  absl::Status Setup(std::span<SiteHandle* const> sites,
                     const std::map<std::string, Enrollment>& enrolled, const SessionId& session,
                     WorkerPool& pool, absl::Duration timeout) override;

  absl::StatusOr<AggregateOutcome> Aggregate(const RoundInput& input) override;

 private:
  SecAggOptions options_;
  std::map<std::string, Enrollment> enrolled_;
};

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_SECAGG_AGGREGATION_H_
