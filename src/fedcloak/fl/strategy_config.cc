#include "fedcloak/fl/strategy_config.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <utility>

namespace fedcloak::fl {
namespace {

constexpr std::array<std::pair<StrategyKind, std::string_view>, 6> kNames = {{
    {StrategyKind::kFedAvg, "fedavg"},
    {StrategyKind::kFedAvgM, "fedavgm"},
    {StrategyKind::kFedProx, "fedprox"},
    {StrategyKind::kFedAdam, "fedadam"},
    {StrategyKind::kFedYogi, "fedyogi"},
    {StrategyKind::kFedAdagrad, "fedadagrad"},
}};

// One hyperparameter: its key, where it lives and its admissible range.
struct Field {
  std::string_view name;
  double StrategyConfig::*member;
  double lo;
  bool lo_open;
  double hi;  // exclusive; infinity when unbounded
};

constexpr double kInf = HUGE_VAL;
constexpr std::array<Field, 6> kFields = {{
    {"server_lr", &StrategyConfig::server_lr, 0.0, true, kInf},
    {"server_momentum", &StrategyConfig::server_momentum, 0.0, false, 1.0},
    {"beta1", &StrategyConfig::beta1, 0.0, false, 1.0},
    {"beta2", &StrategyConfig::beta2, 0.0, false, 1.0},
    {"tau", &StrategyConfig::tau, 0.0, true, kInf},
    {"mu", &StrategyConfig::mu, 0.0, false, kInf},
}};

}  // namespace

std::span<const std::pair<StrategyKind, std::string_view>> StrategyKindNames() { return kNames; }

std::string_view StrategyKindName(StrategyKind kind) {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<StrategyKind> StrategyKindFromName(std::string_view name) {
  for (const auto& [k, n] : kNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

bool IsAdaptive(StrategyKind kind) {
  return kind == StrategyKind::kFedAdam || kind == StrategyKind::kFedYogi ||
         kind == StrategyKind::kFedAdagrad;
}

StrategyConfig StrategyConfig::Defaults(StrategyKind kind) {
  StrategyConfig c;
  c.kind = kind;
  switch (kind) {
    case StrategyKind::kFedAvg:
      break;
    case StrategyKind::kFedAvgM:
      c.server_momentum = 0.9;
      break;
    case StrategyKind::kFedProx:
      c.mu = 0.01;
      break;
    case StrategyKind::kFedAdam:
      c.server_lr = 0.1;
      c.beta1 = 0.9;
      c.beta2 = 0.99;
      c.tau = 1e-9;
      break;
    case StrategyKind::kFedYogi:
      c.server_lr = 0.01;
      c.beta1 = 0.9;
      c.beta2 = 0.99;
      c.tau = 1e-3;
      break;
    case StrategyKind::kFedAdagrad:
      c.server_lr = 0.1;
      c.beta1 = 0.0;
      c.tau = 1e-9;
      break;
  }
  return c;
}

bool StrategyUsesField(StrategyKind kind, std::string_view field) {
  if (field == "server_lr") return true;
  if (field == "server_momentum") return kind == StrategyKind::kFedAvgM;
  if (field == "mu") return kind == StrategyKind::kFedProx;
  if (field == "beta1" || field == "tau") return IsAdaptive(kind);
  if (field == "beta2") return kind == StrategyKind::kFedAdam || kind == StrategyKind::kFedYogi;
  return false;
}

absl::Status ValidateStrategyConfig(const StrategyConfig& config) {
  if (!StrategyKindFromName(StrategyKindName(config.kind)).has_value()) {
    return absl::InvalidArgumentError(
        fmt::format("unknown strategy kind {}", static_cast<int>(config.kind)));
  }
  const std::string_view name = StrategyKindName(config.kind);
  for (const Field& f : kFields) {
    const double v = config.*f.member;
    if (!StrategyUsesField(config.kind, f.name)) {
      if (v != 0.0) {
        return absl::InvalidArgumentError(
            fmt::format("strategy {} does not use {}, which must be 0 (got {})", name, f.name, v));
      }
      continue;
    }
    const bool below = f.lo_open ? !(v > f.lo) : !(v >= f.lo);
    if (!std::isfinite(v) || below || !(v < f.hi)) {
      return absl::InvalidArgumentError(fmt::format(
          "strategy {}: {} = {} is outside {}{}, {})", name, f.name, v, f.lo_open ? "(" : "[", f.lo,
          std::isinf(f.hi) ? "inf" : fmt::format("{}", f.hi)));
    }
  }
  return absl::OkStatus();
}

}  // namespace fedcloak::fl
