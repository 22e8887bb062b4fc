#include "fedcloak/store/schema.h"

#include <fmt/format.h>

#include "fedcloak/base/status.h"

namespace fedcloak::store::internal {
namespace {

// Version 1. Integers are SQLite's signed 64 bits; metric columns are NULL when the
// round has no such value. List columns hold JSON arrays of site names.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  config TEXT NOT NULL,
  mode TEXT NOT NULL,
  created TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed'))
);
CREATE INDEX runs_by_name ON runs (name);

CREATE TABLE rounds (
  run INTEGER NOT NULL REFERENCES runs (id),
  round INTEGER NOT NULL CHECK (round >= 1),
  status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
  error TEXT NOT NULL,
  selected TEXT NOT NULL,
  survivors TEXT NOT NULL,
  dropouts TEXT NOT NULL,
  total_weight INTEGER NOT NULL,
  seconds REAL NOT NULL,
  bytes_to_sites INTEGER NOT NULL,
  bytes_from_sites INTEGER NOT NULL,
  train_loss REAL,
  federated_loss REAL,
  federated_accuracy REAL,
  federated_auc REAL,
  federated_precision REAL,
  federated_recall REAL,
  federated_examples INTEGER,
  central_loss REAL,
  central_accuracy REAL,
  central_auc REAL,
  central_precision REAL,
  central_recall REAL,
  central_examples INTEGER,
  finished TEXT NOT NULL,
  PRIMARY KEY (run, round)
) WITHOUT ROWID;

CREATE TABLE site_metrics (
  run INTEGER NOT NULL REFERENCES runs (id),
  round INTEGER NOT NULL,
  site TEXT NOT NULL,
  name TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (run, round, site, name)
) WITHOUT ROWID;

CREATE TABLE privacy (
  run INTEGER NOT NULL REFERENCES runs (id),
  round INTEGER NOT NULL,
  epsilon REAL NOT NULL,
  delta REAL NOT NULL,
  noise_multiplier REAL NOT NULL,
  clip REAL NOT NULL,
  PRIMARY KEY (run, round)
) WITHOUT ROWID;

CREATE TABLE checkpoints (
  run INTEGER NOT NULL REFERENCES runs (id),
  round INTEGER NOT NULL CHECK (round >= 0),
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  PRIMARY KEY (run, round)
) WITHOUT ROWID;
)sql";

constexpr Migration kMigrations[] = {
    {/*to_version=*/1, kSchemaV1},
};

}  // namespace

std::span<const Migration> SchemaMigrations() { return kMigrations; }

uint32_t CurrentSchemaVersion() { return SchemaMigrations().back().to_version; }

absl::StatusOr<uint32_t> ReadSchemaVersion(Database& db) {
  FEDCLOAK_ASSIGN_OR_RETURN(Statement stmt, db.Prepare("PRAGMA user_version"));
  FEDCLOAK_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return absl::InternalError(fmt::format("store {}: no user_version", db.path()));
  const int64_t v = stmt.Int(0);
  if (v < 0 || v > UINT32_MAX) {
    return absl::DataLossError(
        fmt::format("store {} has an invalid schema version {}", db.path(), v));
  }
  return static_cast<uint32_t>(v);
}

absl::Status MigrateSchema(Database& db, uint32_t from, std::span<const Migration> migrations) {
  const uint32_t latest = migrations.empty() ? 0 : migrations.back().to_version;
  if (from > latest) {
    return absl::FailedPreconditionError(fmt::format(
        "store {} was written by a newer fedcloak (schema version {}); this build supports "
        "schema versions up to {}: upgrade fedcloak to open it",
        db.path(), from, latest));
  }
  for (const Migration& m : migrations) {
    if (m.to_version <= from) continue;
    FEDCLOAK_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db));
    absl::Status s = db.Exec(m.sql);
    if (!s.ok()) {
      return absl::Status(s.code(), fmt::format("migrating store {} to schema version {}: {}",
                                                db.path(), m.to_version, std::string(s.message())));
    }
    FEDCLOAK_RETURN_IF_ERROR(db.Exec(fmt::format("PRAGMA user_version = {}", m.to_version)));
    FEDCLOAK_RETURN_IF_ERROR(txn.Commit());
  }
  return absl::OkStatus();
}

}  // namespace fedcloak::store::internal
