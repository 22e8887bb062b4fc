// Mode `plain`: sites send their updates in the clear. A baseline for comparison, NOT
// private: the coordinator sees every site's update.
#ifndef FEDCLOAK_FL_PLAIN_AGGREGATION_H_
#define FEDCLOAK_FL_PLAIN_AGGREGATION_H_

#include "fedcloak/fl/aggregation.h"

namespace fedcloak::fl {

class PlainAggregation final : public Aggregation {
 public:
  // `min_survivors`: fewer surviving sites fail the round (FailedPrecondition).
  explicit PlainAggregation(uint32_t min_survivors) : min_survivors_(min_survivors) {}
  AggregationMode mode() const override { return AggregationMode::kPlain; }
  absl::StatusOr<AggregateOutcome> Aggregate(const RoundInput& input) override;

 private:
  uint32_t min_survivors_;
};

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_PLAIN_AGGREGATION_H_
