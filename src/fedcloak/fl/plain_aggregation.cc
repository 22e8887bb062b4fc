#include "fedcloak/fl/plain_aggregation.h"

#include <fmt/format.h>

#include "fedcloak/base/status.h"

namespace fedcloak::fl {

absl::StatusOr<AggregateOutcome> PlainAggregation::Aggregate(const RoundInput& input) {
  AggregateOutcome out;
  const size_t n_params = input.broadcast.params.size();
  Task task{TaskKind::kTrain, input.round, EncodeModelBroadcast(input.broadcast, input.session)};
  auto results = BroadcastToSites(input.selected, task, input.stage_timeout, *input.pool, &out);

  std::vector<double> sum(n_params, 0.0);
  double loss_sum = 0.0;
  for (size_t i = 0; i < results.size(); ++i) {
    const std::string& name = input.selected[i]->name();
    if (!results[i].ok()) {
      out.dropouts.push_back(name);
      continue;
    }
    auto update = DecodePlainUpdate(results[i]->payload, input.session, input.round, n_params);
    if (!update.ok() || update->num_examples == 0) {
      // A malformed update is treated as a dropout: the round goes on without it.
      out.dropouts.push_back(name);
      continue;
    }
    const double w = static_cast<double>(update->num_examples);
    for (size_t j = 0; j < n_params; ++j) sum[j] += w * static_cast<double>(update->delta[j]);
    loss_sum += w * update->train_loss;
    out.total_weight += update->num_examples;
    out.survivors.push_back(name);
  }
  if (out.survivors.size() < min_survivors_ || out.total_weight == 0) {
    return absl::FailedPreconditionError(
        fmt::format("round {}: {} of {} selected sites returned an update, {} needed", input.round,
                    out.survivors.size(), input.selected.size(), min_survivors_));
  }
  const double inv = 1.0 / static_cast<double>(out.total_weight);
  for (double& v : sum) v *= inv;
  out.mean_update = std::move(sum);
  out.mean_train_loss = loss_sum * inv;
  return out;
}

}  // namespace fedcloak::fl
