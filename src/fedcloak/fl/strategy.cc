#include "fedcloak/fl/strategy.h"

#include <fmt/format.h>

#include <bit>
#include <cmath>
#include <utility>

#include "fedcloak/base/bytes.h"
#include "fedcloak/base/status.h"
#include "fedcloak/fl/strategy_adaptive.h"
#include "fedcloak/fl/strategy_fedavg.h"

namespace fedcloak::fl {
namespace {

// Same bound as the engine's largest model (2^28 parameters).
constexpr uint64_t kMaxStateDimension = uint64_t{1} << 28;
constexpr uint32_t kMaxStateVectors = 2;

ObjectKind StateKind(StrategyKind kind) {
  return static_cast<ObjectKind>(kStrategyStateKindBase + static_cast<uint8_t>(kind));
}

// Index of the first non-finite value, or -1.
template <typename T>
int64_t FirstNonFinite(std::span<const T> values) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) return static_cast<int64_t>(i);
  }
  return -1;
}

}  // namespace

Strategy::~Strategy() = default;

ClientHints Strategy::client_hints() const { return {}; }

double Strategy::InitialStateValue(size_t /*i*/) const { return 0.0; }

bool Strategy::StateValueAllowed(size_t /*i*/, double v) const { return std::isfinite(v); }

absl::StatusOr<std::vector<float>> Strategy::Apply(std::span<const float> global,
                                                   const AggregatedUpdate& update) {
  const size_t n = global.size();
  if (n == 0) return absl::InvalidArgumentError("global model has no parameters");
  if (update.mean_update.size() != n) {
    return absl::InvalidArgumentError(
        fmt::format("{}: mean update has {} values but the global model has {} parameters", name(),
                    update.mean_update.size(), n));
  }
  if (dimension_ != 0 && n != dimension_) {
    return absl::InvalidArgumentError(
        fmt::format("{}: model has {} parameters but the strategy state was built for {}", name(),
                    n, dimension_));
  }
  if (update.total_weight == 0 || update.num_sites == 0) {
    return absl::InvalidArgumentError(
        fmt::format("{}: empty aggregate (total_weight {}, num_sites {})", name(),
                    update.total_weight, update.num_sites));
  }
  if (int64_t i = FirstNonFinite(global); i >= 0) {
    return absl::InvalidArgumentError(
        fmt::format("{}: global parameter {} is {}", name(), i, global[static_cast<size_t>(i)]));
  }
  const std::span<const double> delta(update.mean_update);
  if (int64_t i = FirstNonFinite(delta); i >= 0) {
    return absl::InvalidArgumentError(
        fmt::format("{}: mean update value {} is {}", name(), i, delta[static_cast<size_t>(i)]));
  }

  std::vector<std::vector<double>> state;
  if (dimension_ == 0) {
    state.resize(num_state_vectors());
    for (size_t j = 0; j < state.size(); ++j) state[j].assign(n, InitialStateValue(j));
  } else {
    state = state_;
  }
  std::vector<double> next(n);
  Step(global, delta, state, next);

  std::vector<float> out(n);
  for (size_t i = 0; i < n; ++i) {
    out[i] = static_cast<float>(next[i]);
    if (!std::isfinite(out[i])) {
      return absl::InvalidArgumentError(
          fmt::format("{}: step {} made parameter {} non-finite ({} -> {}); state left unchanged",
                      name(), steps_ + 1, i, global[i], next[i]));
    }
  }
  for (size_t j = 0; j < state.size(); ++j) {
    if (int64_t i = FirstNonFinite(std::span<const double>(state[j])); i >= 0) {
      return absl::InvalidArgumentError(fmt::format(
          "{}: step {} overflowed state vector {} at parameter {}", name(), steps_ + 1, j, i));
    }
  }
  state_ = std::move(state);
  dimension_ = n;
  ++steps_;
  return out;
}

uint64_t Strategy::StateParameterId() const {
  // FNV-1a over the kind and the bit patterns of every hyperparameter.
  uint64_t h = 0xcbf29ce484222325ULL;
  auto mix = [&h](uint64_t v) {
    for (int b = 0; b < 8; ++b) {
      h ^= (v >> (8 * b)) & 0xff;
      h *= 0x100000001b3ULL;
    }
  };
  mix(static_cast<uint64_t>(config_.kind));
  for (double v : {config_.server_lr, config_.server_momentum, config_.beta1, config_.beta2,
                   config_.tau, config_.mu}) {
    mix(std::bit_cast<uint64_t>(v));
  }
  return h == 0 ? 1 : h;
}

std::vector<uint8_t> Strategy::SaveState() const {
  std::vector<uint8_t> payload;
  ByteWriter w(&payload);
  w.PutU64(steps_);
  w.PutU64(dimension_);
  // Before the first Apply the vectors exist only in count (dimension 0).
  w.PutU32(static_cast<uint32_t>(num_state_vectors()));
  for (const auto& vec : state_) {
    for (double v : vec) w.PutU64(std::bit_cast<uint64_t>(v));
  }
  BlobHeader header;
  header.kind = StateKind(config_.kind);
  header.parameter_id = StateParameterId();
  header.round = steps_;
  return EncodeBlob(header, payload);
}

absl::Status Strategy::LoadState(std::span<const uint8_t> blob) {
  FEDCLOAK_ASSIGN_OR_RETURN(BlobView view, ParseBlob(blob));
  const ObjectKind kind = view.header.kind;
  if (kind < kStrategyStateKindBase || kind > kStrategyStateKindLast) {
    return absl::InvalidArgumentError(
        fmt::format("not a strategy state: object kind {:#06x}", kind));
  }
  if (kind != StateKind(config_.kind)) {
    auto other = static_cast<StrategyKind>(kind - kStrategyStateKindBase);
    return absl::InvalidArgumentError(
        fmt::format("strategy state of kind {:#06x} ({}) cannot be loaded into {}", kind,
                    StrategyKindName(other), name()));
  }
  if (view.header.parameter_id != StateParameterId()) {
    return absl::InvalidArgumentError(fmt::format(
        "strategy state of {} was saved with other hyperparameters (parameter id {:#018x}, "
        "this strategy has {:#018x})",
        name(), view.header.parameter_id, StateParameterId()));
  }
  BlobExpectation expected;
  expected.kind = kind;
  expected.parameter_id = StateParameterId();
  expected.session = SessionId{};  // strategy state belongs to no session
  FEDCLOAK_RETURN_IF_ERROR(CheckBlobHeader(view.header, expected));

  ByteReader r(view.payload);
  uint64_t steps = 0, dimension = 0;
  uint32_t num_vectors = 0;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU64("strategy steps", &steps));
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU64("strategy dimension", &dimension));
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU32("strategy state vector count", &num_vectors));
  if (steps != view.header.round) {
    return absl::DataLossError(fmt::format(
        "strategy state: payload steps {} differ from header round {}", steps, view.header.round));
  }
  if (num_vectors > kMaxStateVectors || num_vectors != num_state_vectors()) {
    return absl::DataLossError(fmt::format("strategy state of {}: {} state vectors, expected {}",
                                           name(), num_vectors, num_state_vectors()));
  }
  if (dimension > kMaxStateDimension) {
    return absl::DataLossError(fmt::format("strategy state: dimension {} exceeds the maximum {}",
                                           dimension, kMaxStateDimension));
  }
  if ((steps == 0) != (dimension == 0)) {
    return absl::DataLossError(fmt::format(
        "strategy state: {} steps with dimension {} is inconsistent", steps, dimension));
  }
  // Bounded: dimension <= 2^28 and num_vectors <= 2, so no overflow.
  const uint64_t need = dimension * num_vectors * 8;
  if (r.remaining() != need) {
    return absl::DataLossError(
        fmt::format("strategy state: {} payload bytes remain for {} vectors of {} values, need {}",
                    r.remaining(), num_vectors, dimension, need));
  }
  std::vector<std::vector<double>> state(num_vectors);
  for (uint32_t j = 0; j < num_vectors; ++j) {
    state[j].resize(dimension);
    for (uint64_t i = 0; i < dimension; ++i) {
      uint64_t bits = 0;
      FEDCLOAK_RETURN_IF_ERROR(r.ReadU64("strategy state value", &bits));
      const double v = std::bit_cast<double>(bits);
      if (!StateValueAllowed(j, v)) {
        return absl::DataLossError(fmt::format(
            "strategy state of {}: vector {} value {} is {}, not allowed", name(), j, i, v));
      }
      state[j][i] = v;
    }
  }
  FEDCLOAK_RETURN_IF_ERROR(r.ExpectEnd("strategy state"));
  steps_ = steps;
  dimension_ = dimension;
  state_ = std::move(state);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Strategy>> CreateStrategy(const StrategyConfig& config) {
  FEDCLOAK_RETURN_IF_ERROR(ValidateStrategyConfig(config));
  switch (config.kind) {
    case StrategyKind::kFedAvg:
    case StrategyKind::kFedProx:
      return std::unique_ptr<Strategy>(new FedAvgStrategy(config));
    case StrategyKind::kFedAvgM:
      return std::unique_ptr<Strategy>(new FedAvgMStrategy(config));
    case StrategyKind::kFedAdam:
    case StrategyKind::kFedYogi:
    case StrategyKind::kFedAdagrad:
      return std::unique_ptr<Strategy>(new AdaptiveStrategy(config));
  }
  return absl::InvalidArgumentError("unknown strategy kind");
}

}  // namespace fedcloak::fl
