#include "fedcloak/cli/run_setup.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "fedcloak/fl/he_aggregation.h"
#include "fedcloak/fl/plain_aggregation.h"
#include "fedcloak/fl/secagg_aggregation.h"
#include "fedcloak/fl/update_encoding.h"

namespace fedcloak::cli {

ModelSource ModelSourceFor(const fl::RunConfig& c, std::vector<int64_t> input_shape,
                           int64_t num_classes) {
  ModelSource s;
  s.spec.input_shape = std::move(input_shape);
  s.spec.num_classes = num_classes;
  s.spec.seed = c.run.seed;
  switch (c.model.kind) {
    case fl::ModelKind::kMlp:
      s.spec.architecture = "mlp";
      s.spec.hidden_units.assign(c.model.hidden.begin(), c.model.hidden.end());
      break;
    case fl::ModelKind::kCnn:
      s.spec.architecture = "mcmahan-cnn";
      break;
    case fl::ModelKind::kCnnSmall:
      s.spec.architecture = "cnn";
      break;
    case fl::ModelKind::kTorchScript:
      s.torchscript_path = c.model.path;
      break;
  }
  return s;
}

fl::EngineOptions EngineOptionsFor(const fl::RunConfig& c, uint64_t total_weight_bound) {
  fl::EngineOptions o;
  o.rounds = c.run.rounds;
  o.fraction = c.selection.fraction;
  o.min_sites = c.selection.min_sites;
  o.seed = c.run.seed;
  o.train.epochs = c.train.epochs;
  o.train.batch_size = c.train.batch_size;
  o.train.learning_rate = c.train.lr;
  o.train.momentum = c.train.momentum;
  o.encoding.clip = c.secure.clip;
  o.encoding.scale = std::ldexp(1.0, static_cast<int>(c.secure.scale_bits));
  o.encoding.max_total_weight = total_weight_bound;
  o.stage_timeout = absl::Seconds(c.network.stage_timeout_s);
  return o;
}

absl::StatusOr<std::unique_ptr<fl::Aggregation>> AggregationFor(const fl::RunConfig& c) {
  switch (c.run.mode) {
    case fl::RunMode::kPlain:
      return std::make_unique<fl::PlainAggregation>(c.selection.min_sites);
    case fl::RunMode::kSecAgg: {
      fl::SecAggOptions o;
      o.min_survivors = c.selection.min_sites;
      o.neighbours = c.secure.neighbours;
      o.threshold = c.secure.threshold;
      return std::make_unique<fl::SecAggAggregation>(o);
    }
    case fl::RunMode::kHe: {
      fl::HeOptions o;
      o.min_survivors = c.selection.min_sites;
      o.threshold = c.secure.threshold;
      o.parameter_set = c.secure.he_params == fl::HeParamSet::kN8192 ? 1 : 0;
      return std::make_unique<fl::HeAggregation>(o);
    }
  }
  return absl::InvalidArgumentError("unknown aggregation mode");
}

absl::StatusOr<std::optional<fl::PrivacyAccountant>> PrivacyAccountantFor(
    const fl::RunConfig& c, size_t num_params, size_t smallest_site, fl::EngineOptions* options) {
  if (!c.dp.enabled) return std::optional<fl::PrivacyAccountant>();
  if (c.dp.mechanism == fl::DpMechanism::kDistributedDGauss) {
    if (c.run.mode == fl::RunMode::kPlain) {
      return absl::InvalidArgumentError(
          "dp.mechanism = \"distributed-dgauss\" needs run.mode = \"secagg\" or \"he\"");
    }
    const auto sites = c.data.num_sites;
    const auto expected = static_cast<uint32_t>(
        std::max<double>(c.selection.min_sites, std::ceil(c.selection.fraction * sites)));
    auto dp =
        fl::PlanDistributedDp(num_params, c.dp.clip_norm, c.dp.noise_multiplier, expected, sites);
    if (!dp.ok()) return dp.status();
    options->encoding.dp = *dp;
    auto acc = fl::PrivacyAccountant::ForDistributedDp(*dp, num_params, c.selection.fraction,
                                                       c.selection.min_sites, c.dp.delta,
                                                       c.dp.epsilon_budget);
    if (!acc.ok()) return acc.status();
    return std::optional<fl::PrivacyAccountant>(*std::move(acc));
  }
  // DP-SGD at every site: the guarantee is for one example of the smallest site.
  const double q = std::min(1.0, static_cast<double>(c.train.batch_size) /
                                     static_cast<double>(std::max<size_t>(1, smallest_site)));
  const uint64_t steps =
      uint64_t{c.train.epochs} * ((smallest_site + c.train.batch_size - 1) / c.train.batch_size);
  auto acc = fl::PrivacyAccountant::ForDpSgd(q, c.dp.noise_multiplier, steps, c.dp.delta,
                                             c.dp.epsilon_budget);
  if (!acc.ok()) return acc.status();
  return std::optional<fl::PrivacyAccountant>(*std::move(acc));
}

bool ConsoleReporter::IsTerminal() { return isatty(STDOUT_FILENO) == 1; }

std::string FormatMetrics(const fl::LocalMetrics& m) {
  std::string s = fmt::format("acc {:.4f} loss {:.4f}", m.accuracy, m.loss);
  if (m.auc) s += fmt::format(" auc {:.4f}", *m.auc);
  return s;
}

void ConsoleReporter::OnRoundStart(uint64_t round, const std::vector<std::string>& selected) {
  if (!tty_) return;
  const int width = 30;
  const int done =
      static_cast<int>(width * static_cast<double>(round - 1) / static_cast<double>(rounds_));
  std::printf("\r[%s%s] round %llu/%llu: training on %zu sites...",
              std::string(static_cast<size_t>(done), '#').c_str(),
              std::string(static_cast<size_t>(width - done), '.').c_str(),
              static_cast<unsigned long long>(round), static_cast<unsigned long long>(rounds_),
              selected.size());
  std::fflush(stdout);
}

void ConsoleReporter::OnRoundEnd(const fl::RoundRecord& r, std::span<const float> global) {
  std::optional<fl::LocalMetrics> central;
  if (r.status.ok() && central_) central = central_(global);
  if (central) last_central_ = central;
  if (r.evaluation) last_federated_ = r.evaluation;
  if (tty_) std::printf("\r%-90s\r", "");
  if (!r.status.ok()) {
    ++failed_rounds_;
    std::printf("round %3llu/%llu  FAILED: %s\n", static_cast<unsigned long long>(r.round),
                static_cast<unsigned long long>(rounds_), std::string(r.status.message()).c_str());
  } else {
    std::string line = fmt::format("round {:3}/{}  sites {}/{}  train loss {:.4f}", r.round,
                                   rounds_, r.survivors.size(), r.selected.size(), r.train_loss);
    if (r.evaluation) line += "  federated " + FormatMetrics(*r.evaluation);
    if (central) line += "  central " + FormatMetrics(*central);
    if (r.epsilon) line += fmt::format("  eps {:.3f}", *r.epsilon);
    line += fmt::format("  {:.2f}s  {:.2f} MB up", r.seconds,
                        static_cast<double>(r.bytes_from_sites) / 1e6);
    std::printf("%s\n", line.c_str());
  }
  std::fflush(stdout);
  if (log_ != nullptr) {
    absl::Status s = log_->Append(r, central);
    if (!s.ok()) std::fprintf(stderr, "warning: %s\n", std::string(s.message()).c_str());
  }
}

}  // namespace fedcloak::cli
