#include "fedcloak/fl/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>

#include "fedcloak/base/prg.h"
#include "fedcloak/base/status.h"
#include "fedcloak/fl/privacy_accountant.h"
#include "fedcloak/fl/secure_messages.h"

namespace fedcloak::fl {
namespace {

std::array<uint8_t, 32> SeedBytes(uint64_t seed, uint64_t round) {
  std::array<uint8_t, 32> out{};
  for (int i = 0; i < 8; ++i) {
    out[static_cast<size_t>(i)] = static_cast<uint8_t>(seed >> (8 * i));
    out[static_cast<size_t>(8 + i)] = static_cast<uint8_t>(round >> (8 * i));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Engine>> Engine::Create(EngineOptions options,
                                                       std::vector<SiteHandle*> sites,
                                                       std::unique_ptr<Aggregation> aggregation,
                                                       std::unique_ptr<Strategy> strategy,
                                                       std::vector<float> initial_model,
                                                       SessionId session, WorkerPool* pool) {
  if (sites.empty()) return absl::InvalidArgumentError("the run has no sites");
  if (initial_model.empty()) return absl::InvalidArgumentError("the model has no parameters");
  if (!(options.fraction > 0.0 && options.fraction <= 1.0)) {
    return absl::InvalidArgumentError(
        fmt::format("selection fraction {} is outside (0, 1]", options.fraction));
  }
  if (options.min_sites == 0 || options.min_sites > sites.size()) {
    return absl::InvalidArgumentError(
        fmt::format("minimum of {} sites per round is outside [1, {}] (the run's sites)",
                    options.min_sites, sites.size()));
  }
  if (aggregation == nullptr || strategy == nullptr || pool == nullptr) {
    return absl::InvalidArgumentError("engine needs an aggregation, a strategy and a pool");
  }
  return std::unique_ptr<Engine>(new Engine(std::move(options), std::move(sites),
                                            std::move(aggregation), std::move(strategy),
                                            std::move(initial_model), session, pool));
}

Engine::Engine(EngineOptions options, std::vector<SiteHandle*> sites,
               std::unique_ptr<Aggregation> aggregation, std::unique_ptr<Strategy> strategy,
               std::vector<float> initial_model, SessionId session, WorkerPool* pool)
    : options_(std::move(options)),
      sites_(std::move(sites)),
      aggregation_(std::move(aggregation)),
      strategy_(std::move(strategy)),
      global_(std::move(initial_model)),
      session_(session),
      pool_(pool) {}

absl::Status Engine::Setup() {
  Task task{TaskKind::kEnroll, 0, EncodeSessionStart(options_.session_description, session_)};
  auto results = BroadcastToSites(sites_, task, options_.stage_timeout, *pool_, nullptr);
  enrolled_.clear();
  for (size_t i = 0; i < sites_.size(); ++i) {
    if (!results[i].ok()) continue;
    auto e = DecodeEnrollment(results[i]->payload, session_);
    if (!e.ok()) continue;
    // With a verifier, a site whose keys are not attested takes no part: the other sites
    // would refuse its keys anyway.
    if (key_verifier_ != nullptr &&
        !key_verifier_
             ->Verify(sites_[i]->name(), EnrollmentStatement(session_, sites_[i]->name(), *e),
                      e->attestation)
             .ok()) {
      continue;
    }
    enrolled_[sites_[i]->name()] = *std::move(e);
  }
  return aggregation_->Setup(sites_, enrolled_, session_, *pool_, options_.stage_timeout);
}

std::vector<std::string> Engine::EnrolledSites() const {
  std::vector<std::string> names;
  for (const auto& [name, e] : enrolled_) names.push_back(name);
  return names;
}

absl::Status Engine::RestoreGlobalModel(std::vector<float> model) {
  if (model.size() != global_.size()) {
    return absl::InvalidArgumentError(fmt::format(
        "restored model has {} parameters, the run's model has {}", model.size(), global_.size()));
  }
  global_ = std::move(model);
  return absl::OkStatus();
}

std::vector<SiteHandle*> Engine::SelectSites(uint64_t round) const {
  const size_t n = sites_.size();
  size_t k = static_cast<size_t>(std::ceil(options_.fraction * static_cast<double>(n)));
  k = std::clamp<size_t>(k, options_.min_sites, n);
  std::vector<SiteHandle*> pool = sites_;
  if (k == n) return pool;
  // Partial Fisher-Yates with a Prg keyed by (seed, round): reproducible selections.
  const auto seed = SeedBytes(options_.seed, round);
  Prg prg(seed, "fl.selection");
  for (size_t i = 0; i < k; ++i) {
    const size_t j = i + static_cast<size_t>(prg.UniformBelow(n - i));
    std::swap(pool[i], pool[j]);
  }
  pool.resize(k);
  return pool;
}

LocalMetrics WeightedMetrics(std::span<const LocalMetrics> metrics) {
  LocalMetrics out;
  double w_total = 0, auc = 0, auc_w = 0, prec = 0, prec_w = 0, rec = 0, rec_w = 0;
  for (const LocalMetrics& m : metrics) {
    const double w = static_cast<double>(m.num_examples);
    w_total += w;
    out.loss += w * m.loss;
    out.accuracy += w * m.accuracy;
    if (m.auc) auc += w * *m.auc, auc_w += w;
    if (m.precision) prec += w * *m.precision, prec_w += w;
    if (m.recall) rec += w * *m.recall, rec_w += w;
    out.num_examples += m.num_examples;
  }
  if (w_total > 0) {
    out.loss /= w_total;
    out.accuracy /= w_total;
  }
  if (auc_w > 0) out.auc = auc / auc_w;
  if (prec_w > 0) out.precision = prec / prec_w;
  if (rec_w > 0) out.recall = rec / rec_w;
  return out;
}

std::optional<LocalMetrics> Engine::Evaluate(uint64_t round, std::span<SiteHandle* const> sites,
                                             RoundRecord* record) {
  ModelBroadcast m;
  m.train.round = round;
  m.train.epochs = 1;
  m.train.batch_size = 1;
  m.params = global_;
  Task task{TaskKind::kEvaluate, round, EncodeModelBroadcast(m, session_)};
  AggregateOutcome bytes;
  auto results = BroadcastToSites(sites, task, options_.stage_timeout, *pool_, &bytes);
  record->bytes_to_sites += bytes.bytes_to_sites;
  record->bytes_from_sites += bytes.bytes_from_sites;
  std::vector<LocalMetrics> metrics;
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok()) continue;
    auto decoded = DecodeEvalResult(results[i]->payload, session_, round);
    if (!decoded.ok()) continue;
    metrics.push_back(*decoded);
    record->site_evaluations.emplace_back(sites[i]->name(), *decoded);
  }
  if (metrics.empty()) return std::nullopt;
  return WeightedMetrics(metrics);
}

RoundRecord Engine::RunRound(uint64_t round) {
  const auto start = std::chrono::steady_clock::now();
  RoundRecord record;
  record.round = round;
  std::vector<SiteHandle*> selected = SelectSites(round);
  for (SiteHandle* s : selected) record.selected.push_back(s->name());

  RoundInput input;
  input.round = round;
  input.session = session_;
  input.broadcast.mode = aggregation_->mode();
  input.broadcast.train = options_.train;
  input.broadcast.train.round = round;
  input.broadcast.train.seed = options_.seed * 1000003u + round;
  const ClientHints hints = strategy_->client_hints();
  if (auto it = hints.find(kProximalMuHint); it != hints.end()) {
    input.broadcast.train.fedprox_mu = it->second;
  }
  input.broadcast.encoding = options_.encoding;
  input.broadcast.params = global_;
  input.selected = selected;
  input.stage_timeout = options_.stage_timeout;
  input.pool = pool_;

  auto outcome = aggregation_->Aggregate(input);
  if (!outcome.ok()) {
    record.status = outcome.status();
    record.dropouts = record.selected;
  } else {
    record.survivors = outcome->survivors;
    record.dropouts = outcome->dropouts;
    record.total_weight = outcome->total_weight;
    record.train_loss = outcome->mean_train_loss;
    record.bytes_to_sites = outcome->bytes_to_sites;
    record.bytes_from_sites = outcome->bytes_from_sites;
    AggregatedUpdate update;
    update.mean_update = std::move(outcome->mean_update);
    update.total_weight = outcome->total_weight;
    update.num_sites = static_cast<uint32_t>(outcome->survivors.size());
    auto next = strategy_->Apply(global_, update);
    if (!next.ok()) {
      record.status = next.status();
    } else {
      global_ = std::move(*next);
      if (options_.federated_evaluation) {
        std::vector<SiteHandle*> evaluators;
        for (SiteHandle* s : selected) {
          if (std::find(record.survivors.begin(), record.survivors.end(), s->name()) !=
              record.survivors.end()) {
            evaluators.push_back(s);
          }
        }
        record.evaluation = Evaluate(round, evaluators, &record);
      }
    }
  }
  record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return record;
}

absl::Status Engine::Run(uint64_t first_round, RoundObserver* observer, bool stop_on_failure) {
  for (uint64_t round = first_round; round <= options_.rounds; ++round) {
    if (stop_requested_.load()) {
      return absl::CancelledError(fmt::format("stopped by request before round {}", round));
    }
    std::optional<double> epsilon;
    if (accountant_ != nullptr) {
      auto charged = accountant_->ChargeRound();
      if (!charged.ok()) return charged.status();  // the budget would be exceeded: stop
      epsilon = *charged;
    }
    if (observer != nullptr) {
      std::vector<std::string> names;
      for (SiteHandle* s : SelectSites(round)) names.push_back(s->name());
      observer->OnRoundStart(round, names);
    }
    RoundRecord record = RunRound(round);
    record.epsilon = epsilon;
    if (observer != nullptr) observer->OnRoundEnd(record, global_);
    if (!record.status.ok() && stop_on_failure) return record.status;
  }
  return absl::OkStatus();
}

}  // namespace fedcloak::fl
