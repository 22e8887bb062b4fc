// Server-side strategies: turn the round's weighted mean update into the next global
// model. They see only the aggregate, so they work unchanged in the plain, secagg and
// he modes (the secure modes hand them the decrypted or unmasked sum).
#ifndef FEDCLOAK_FL_STRATEGY_H_
#define FEDCLOAK_FL_STRATEGY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fedcloak/base/blob.h"
#include "fedcloak/fl/strategy_config.h"

namespace fedcloak::fl {

// The output of one round's aggregation.
struct AggregatedUpdate {
  // sum_k w_k * (w_local_k - w_global) / sum_k w_k: Delta_t of Reddi et al., i.e. the
  // NEGATIVE of the server pseudo-gradient.
  std::vector<double> mean_update;
  uint64_t total_weight = 0;  // sum_k w_k (example counts); must be > 0
  uint32_t num_sites = 0;     // sites in the sum; must be > 0
};

// Settings a strategy needs forwarded to local training, by name.
using ClientHints = std::map<std::string, double, std::less<>>;
// FedProx: the proximal coefficient mu (TrainSettings::fedprox_mu).
inline constexpr std::string_view kProximalMuHint = "proximal_mu";

// Object kinds of the saved strategy state: kStrategyStateKindBase + StrategyKind.
inline constexpr ObjectKind kStrategyStateKindBase = 0x0300;
inline constexpr ObjectKind kStrategyStateKindLast = 0x030f;

// A server optimizer with its state (momentum, moments). Not thread-safe: the engine
// applies one round at a time. Created by CreateStrategy.
class Strategy {
 public:
  virtual ~Strategy();

  // "fedavg", "fedavgm", ... (StrategyKindName).
  virtual std::string_view name() const = 0;
  const StrategyConfig& config() const { return config_; }

  // Number of updates applied so far (restored by LoadState).
  uint64_t steps() const { return steps_; }

  // Returns the new global parameters, computed in double and rounded to float.
  // InvalidArgument if the sizes differ (from each other, or from the size the
  // strategy's state was built for), if `global` or the update has a non-finite value,
  // if total_weight or num_sites is 0, or if the step produces a non-finite parameter.
  // On error the state is unchanged.
  absl::StatusOr<std::vector<float>> Apply(std::span<const float> global,
                                           const AggregatedUpdate& update);

  // Client-side settings to forward with every training task. Default: none.
  virtual ClientHints client_hints() const;

  // The state for crash-resume: one blob of kind kStrategyStateKindBase + kind, with
  // parameter_id = StateParameterId() and round = steps(). Layout: doc/wire_format.md.
  std::vector<uint8_t> SaveState() const;

  // Restores a SaveState blob. DataLoss for corrupt bytes (bad header, truncated or
  // trailing payload, wrong vector count, non-finite or negative-where-impossible
  // values); InvalidArgument for a blob of another strategy or saved with other
  // hyperparameters (parameter id). Replaces the whole state; on error it is unchanged.
  absl::Status LoadState(std::span<const uint8_t> blob);

  // Fingerprint of (kind, hyperparameters): a blob saved under other settings is refused.
  uint64_t StateParameterId() const;

 protected:
  explicit Strategy(const StrategyConfig& config) : config_(config) {}

  // Number of per-parameter state vectors (0 FedAvg/FedProx, 1 FedAvgM, 2 adaptive).
  virtual size_t num_state_vectors() const = 0;

  // Computes the new parameters from `global` and `delta` (same size, finite, and equal
  // to the size of every vector in `state`, which the base class has sized and zeroed or
  // restored). Updates `state` in place; the base class commits it only on success.
  virtual void Step(std::span<const float> global, std::span<const double> delta,
                    std::vector<std::vector<double>>& state, std::vector<double>& out) const = 0;

  // Initial value of state vector i (m_{-1} = 0; v_{-1} = tau^2 for adaptive).
  virtual double InitialStateValue(size_t i) const;

  // Range check for restored state vector i; a value outside is DataLoss.
  virtual bool StateValueAllowed(size_t i, double v) const;

 private:
  StrategyConfig config_;
  uint64_t steps_ = 0;
  uint64_t dimension_ = 0;  // 0 until the first Apply or a LoadState with state
  std::vector<std::vector<double>> state_;
};

// Validates `config` (ValidateStrategyConfig) and creates its strategy.
absl::StatusOr<std::unique_ptr<Strategy>> CreateStrategy(const StrategyConfig& config);

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_STRATEGY_H_
