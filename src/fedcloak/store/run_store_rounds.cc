// RunStore: recording and reading rounds.
#include <fmt/format.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "fedcloak/base/status.h"
#include "fedcloak/store/run_store.h"
#include "fedcloak/store/sqlite_db.h"

namespace fedcloak::store {

using internal::Statement;
using internal::Transaction;

namespace {

constexpr uint64_t kMaxSqlInteger = static_cast<uint64_t>(INT64_MAX);

absl::Status CheckCounter(std::string_view field, uint64_t v) {
  if (v > kMaxSqlInteger) {
    return absl::InvalidArgumentError(fmt::format("{} of {} exceeds 2^63 - 1", field, v));
  }
  return absl::OkStatus();
}

std::string JsonList(const std::vector<std::string>& names) { return nlohmann::json(names).dump(); }

absl::StatusOr<std::vector<std::string>> ParseJsonList(const std::string& text,
                                                       std::string_view column,
                                                       const std::string& store) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) {
    return absl::DataLossError(
        fmt::format("store {}: column {} is not a JSON array of site names", store, column));
  }
  std::vector<std::string> out;
  for (const auto& e : j) {
    if (!e.is_string()) {
      return absl::DataLossError(
          fmt::format("store {}: column {} holds a non-string site name", store, column));
    }
    out.push_back(e.get<std::string>());
  }
  return out;
}

// Binds the six columns of one evaluation (loss, accuracy, auc, precision, recall,
// examples) starting at `first`.
void BindMetrics(Statement& stmt, int first, const std::optional<fl::LocalMetrics>& m) {
  if (!m) {
    for (int i = 0; i < 6; ++i) stmt.BindNull(first + i);
    return;
  }
  stmt.Bind(first, m->loss).Bind(first + 1, m->accuracy).Bind(first + 2, m->auc);
  stmt.Bind(first + 3, m->precision).Bind(first + 4, m->recall);
  stmt.Bind(first + 5, static_cast<int64_t>(std::min<uint64_t>(m->num_examples, kMaxSqlInteger)));
}

std::optional<fl::LocalMetrics> ReadMetrics(const Statement& stmt, int first) {
  if (stmt.IsNull(first) && stmt.IsNull(first + 1)) return std::nullopt;
  fl::LocalMetrics m;
  m.loss = stmt.Double(first);
  m.accuracy = stmt.Double(first + 1);
  m.auc = stmt.OptionalDouble(first + 2);
  m.precision = stmt.OptionalDouble(first + 3);
  m.recall = stmt.OptionalDouble(first + 4);
  m.num_examples = stmt.IsNull(first + 5) ? 0 : static_cast<uint64_t>(stmt.Int(first + 5));
  return m;
}

}  // namespace

absl::Status RunStore::CommitRound(int64_t run, const fl::RoundRecord& r, const RoundExtras& extras,
                                   std::optional<std::span<const float>> checkpoint_model) {
  if (r.round == 0) return absl::InvalidArgumentError("rounds are numbered from 1, got round 0");
  FEDCLOAK_RETURN_IF_ERROR(CheckCounter("round", r.round));
  FEDCLOAK_RETURN_IF_ERROR(CheckCounter("total weight", r.total_weight));
  FEDCLOAK_RETURN_IF_ERROR(CheckCounter("bytes to sites", r.bytes_to_sites));
  FEDCLOAK_RETURN_IF_ERROR(CheckCounter("bytes from sites", r.bytes_from_sites));
  FEDCLOAK_RETURN_IF_ERROR(CheckRunExists(run));

  std::optional<CheckpointInfo> checkpoint;
  if (checkpoint_model) {
    CheckpointContents c;
    c.run = run;
    c.round = r.round;
    c.model.assign(checkpoint_model->begin(), checkpoint_model->end());
    c.strategy_state = extras.strategy_state;
    c.extra = extras.checkpoint_extra;
    FEDCLOAK_ASSIGN_OR_RETURN(checkpoint, WriteCheckpointFile(c));
  }

  FEDCLOAK_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db_));
  {
    FEDCLOAK_ASSIGN_OR_RETURN(
        Statement stmt,
        db_->Prepare("INSERT OR REPLACE INTO rounds (run, round, status, error, selected, "
                     "survivors, dropouts, total_weight, seconds, bytes_to_sites, "
                     "bytes_from_sites, train_loss, federated_loss, federated_accuracy, "
                     "federated_auc, federated_precision, federated_recall, federated_examples, "
                     "central_loss, central_accuracy, central_auc, central_precision, "
                     "central_recall, central_examples, finished) VALUES (?, ?, ?, ?, ?, ?, ?, "
                     "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                     "strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"));
    stmt.Bind(1, run).Bind(2, static_cast<int64_t>(r.round));
    stmt.Bind(3, std::string_view(r.status.ok() ? "ok" : "failed"));
    stmt.Bind(4, std::string(r.status.message()));
    stmt.Bind(5, JsonList(r.selected)).Bind(6, JsonList(r.survivors)).Bind(7, JsonList(r.dropouts));
    stmt.Bind(8, static_cast<int64_t>(r.total_weight)).Bind(9, r.seconds);
    stmt.Bind(10, static_cast<int64_t>(r.bytes_to_sites));
    stmt.Bind(11, static_cast<int64_t>(r.bytes_from_sites));
    stmt.Bind(12, r.status.ok() ? std::optional<double>(r.train_loss) : std::nullopt);
    BindMetrics(stmt, 13, r.evaluation);
    BindMetrics(stmt, 19, extras.central);
    FEDCLOAK_RETURN_IF_ERROR(stmt.Run());
  }
  {
    FEDCLOAK_ASSIGN_OR_RETURN(Statement del,
                              db_->Prepare("DELETE FROM site_metrics WHERE run = ? AND round = ?"));
    del.Bind(1, run).Bind(2, static_cast<int64_t>(r.round));
    FEDCLOAK_RETURN_IF_ERROR(del.Run());
    FEDCLOAK_ASSIGN_OR_RETURN(Statement ins,
                              db_->Prepare("INSERT OR REPLACE INTO site_metrics (run, round, site, "
                                           "name, value) VALUES (?, ?, ?, ?, ?)"));
    for (const SiteMetric& m : extras.site_metrics) {
      ins.Reset();
      ins.Bind(1, run).Bind(2, static_cast<int64_t>(r.round)).Bind(3, m.site).Bind(4, m.name);
      ins.Bind(5, m.value);
      FEDCLOAK_RETURN_IF_ERROR(ins.Run());
    }
  }
  {
    FEDCLOAK_ASSIGN_OR_RETURN(Statement del,
                              db_->Prepare("DELETE FROM privacy WHERE run = ? AND round = ?"));
    del.Bind(1, run).Bind(2, static_cast<int64_t>(r.round));
    FEDCLOAK_RETURN_IF_ERROR(del.Run());
  }
  if (extras.privacy) {
    FEDCLOAK_ASSIGN_OR_RETURN(
        Statement stmt, db_->Prepare("INSERT OR REPLACE INTO privacy (run, round, epsilon, delta, "
                                     "noise_multiplier, clip) VALUES (?, ?, ?, ?, ?, ?)"));
    const PrivacyRecord& p = *extras.privacy;
    stmt.Bind(1, run).Bind(2, static_cast<int64_t>(r.round)).Bind(3, p.epsilon).Bind(4, p.delta);
    stmt.Bind(5, p.noise_multiplier).Bind(6, p.clip);
    FEDCLOAK_RETURN_IF_ERROR(stmt.Run());
  }
  std::vector<std::string> unreferenced;
  if (checkpoint) {
    FEDCLOAK_ASSIGN_OR_RETURN(unreferenced, ReferenceCheckpoint(*checkpoint));
  }
  FEDCLOAK_RETURN_IF_ERROR(txn.Commit());
  for (const std::string& f : unreferenced) ::unlink(f.c_str());  // best effort
  return absl::OkStatus();
}

absl::StatusOr<std::vector<RoundRow>> RunStore::ListRounds(int64_t run) const {
  FEDCLOAK_RETURN_IF_ERROR(CheckRunExists(run));
  FEDCLOAK_ASSIGN_OR_RETURN(
      Statement stmt,
      db_->Prepare("SELECT r.round, r.status, r.error, r.selected, r.survivors, r.dropouts, "
                   "r.total_weight, r.seconds, r.bytes_to_sites, r.bytes_from_sites, r.train_loss, "
                   "r.federated_loss, r.federated_accuracy, r.federated_auc, "
                   "r.federated_precision, r.federated_recall, r.federated_examples, "
                   "r.central_loss, r.central_accuracy, r.central_auc, r.central_precision, "
                   "r.central_recall, r.central_examples, r.finished, p.epsilon, p.delta, "
                   "p.noise_multiplier, p.clip FROM rounds r LEFT JOIN privacy p "
                   "ON p.run = r.run AND p.round = r.round WHERE r.run = ? ORDER BY r.round"));
  stmt.Bind(1, run);
  std::vector<RoundRow> out;
  for (;;) {
    FEDCLOAK_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    RoundRow r;
    r.run = run;
    r.round = static_cast<uint64_t>(stmt.Int(0));
    r.ok = stmt.Text(1) == "ok";
    r.error = stmt.Text(2);
    FEDCLOAK_ASSIGN_OR_RETURN(r.selected, ParseJsonList(stmt.Text(3), "selected", path_));
    FEDCLOAK_ASSIGN_OR_RETURN(r.survivors, ParseJsonList(stmt.Text(4), "survivors", path_));
    FEDCLOAK_ASSIGN_OR_RETURN(r.dropouts, ParseJsonList(stmt.Text(5), "dropouts", path_));
    r.total_weight = static_cast<uint64_t>(stmt.Int(6));
    r.seconds = stmt.Double(7);
    r.bytes_to_sites = static_cast<uint64_t>(stmt.Int(8));
    r.bytes_from_sites = static_cast<uint64_t>(stmt.Int(9));
    r.train_loss = stmt.OptionalDouble(10);
    r.federated = ReadMetrics(stmt, 11);
    r.central = ReadMetrics(stmt, 17);
    r.finished = stmt.Text(23);
    if (!stmt.IsNull(24)) {
      r.privacy = PrivacyRecord{stmt.Double(24), stmt.Double(25), stmt.Double(26), stmt.Double(27)};
    }
    out.push_back(std::move(r));
  }
  return out;
}

absl::StatusOr<std::vector<SiteMetricRow>> RunStore::ListSiteMetrics(int64_t run) const {
  FEDCLOAK_RETURN_IF_ERROR(CheckRunExists(run));
  FEDCLOAK_ASSIGN_OR_RETURN(
      Statement stmt,
      db_->Prepare("SELECT round, site, name, value FROM site_metrics WHERE run = ? "
                   "ORDER BY round, site, name"));
  stmt.Bind(1, run);
  std::vector<SiteMetricRow> out;
  for (;;) {
    FEDCLOAK_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back(
        {static_cast<uint64_t>(stmt.Int(0)), {stmt.Text(1), stmt.Text(2), stmt.Double(3)}});
  }
  return out;
}

}  // namespace fedcloak::store
