#include "fedcloak/store/run_store.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "fedcloak/base/status.h"
#include "fedcloak/store/schema.h"
#include "fedcloak/store/sqlite_db.h"

namespace fedcloak::store {

using internal::Database;
using internal::Statement;

namespace {

constexpr std::array<char, 16> kSqliteMagic = {'S', 'Q', 'L', 'i', 't', 'e', ' ', 'f',
                                               'o', 'r', 'm', 'a', 't', ' ', '3', '\0'};

// Checks what can be checked without SQLite, so that a file that is not a database or
// is cut short is refused before SQLite could touch it.
absl::Status CheckFileHeader(const std::string& path, uint64_t size) {
  if (size == 0) {
    // SQLite writes the header with the first transaction, which Open runs at once: an
    // empty file is a store whose creation was interrupted, unless checkpoints exist.
    std::error_code ec;
    if (std::filesystem::exists(path + "-checkpoints", ec)) {
      return absl::DataLossError(fmt::format(
          "store {} is empty but {}-checkpoints exists: the store was truncated", path, path));
    }
    return absl::OkStatus();
  }
  std::ifstream in(path, std::ios::binary);
  std::array<char, 100> header{};
  if (size < header.size() || !in.read(header.data(), header.size())) {
    return absl::DataLossError(fmt::format(
        "store {} is truncated or not a fedcloak store: {} bytes is shorter than an SQLite "
        "header",
        path, size));
  }
  if (std::memcmp(header.data(), kSqliteMagic.data(), kSqliteMagic.size()) != 0) {
    return absl::DataLossError(
        fmt::format("store {} is not a fedcloak store: it does not start with the SQLite "
                    "format 3 header",
                    path));
  }
  // Page size: big-endian u16 at offset 16; 1 means 65536.
  uint32_t page = (static_cast<uint32_t>(static_cast<uint8_t>(header[16])) << 8) |
                  static_cast<uint8_t>(header[17]);
  if (page == 1) page = 65536;
  if (page < 512 || page > 65536 || (page & (page - 1)) != 0) {
    return absl::DataLossError(
        fmt::format("store {} is corrupt: invalid page size {}", path, page));
  }
  if (size % page != 0) {
    return absl::DataLossError(
        fmt::format("store {} is truncated: its {} bytes are not a whole number of {}-byte pages",
                    path, size, page));
  }
  return absl::OkStatus();
}

absl::Status QuickCheck(Database& db, const char* pragma) {
  FEDCLOAK_ASSIGN_OR_RETURN(Statement stmt, db.Prepare(pragma));
  std::string findings;
  for (int lines = 0;; ++lines) {
    FEDCLOAK_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    const std::string line = stmt.Text(0);
    if (line == "ok") continue;
    if (lines < 5) findings += (findings.empty() ? "" : "; ") + line;
  }
  if (!findings.empty()) {
    return absl::DataLossError(
        fmt::format("store {} failed its integrity check: {}", db.path(), findings));
  }
  return absl::OkStatus();
}

absl::Status CheckName(std::string_view what, std::string_view value) {
  if (value.empty()) return absl::InvalidArgumentError(fmt::format("{} must not be empty", what));
  return absl::OkStatus();
}

}  // namespace

std::string_view RunStatusName(RunStatus status) {
  switch (status) {
    case RunStatus::kRunning:
      return "running";
    case RunStatus::kCompleted:
      return "completed";
    case RunStatus::kFailed:
      return "failed";
  }
  return "unknown";
}

namespace {
std::optional<RunStatus> ParseRunStatus(std::string_view s) {
  for (RunStatus v : {RunStatus::kRunning, RunStatus::kCompleted, RunStatus::kFailed}) {
    if (RunStatusName(v) == s) return v;
  }
  return std::nullopt;
}
}  // namespace

RunStore::RunStore(std::unique_ptr<Database> db, std::string path, StoreOptions options,
                   uint32_t version)
    : db_(std::move(db)), path_(std::move(path)), options_(options), version_(version) {}

RunStore::~RunStore() = default;

uint32_t RunStore::schema_version() const { return version_; }

absl::StatusOr<std::unique_ptr<RunStore>> RunStore::Open(const std::string& path,
                                                         const StoreOptions& options) {
  return OpenWithMigrations(path, options, internal::SchemaMigrations());
}

absl::StatusOr<std::unique_ptr<RunStore>> RunStore::OpenWithMigrations(
    const std::string& path_in, const StoreOptions& options,
    std::span<const internal::Migration> migrations) {
  if (path_in.empty()) return absl::InvalidArgumentError("store path must not be empty");
  std::error_code ec;
  const std::string path = std::filesystem::absolute(path_in, ec).lexically_normal().string();
  if (ec) return absl::InvalidArgumentError(fmt::format("bad store path {}", path_in));
  const bool exists = std::filesystem::exists(path, ec);
  if (!exists) {
    if (options.read_only || !options.create_if_missing) {
      return absl::NotFoundError(fmt::format("store {} does not exist", path));
    }
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    if (ec) {
      return absl::InternalError(
          fmt::format("cannot create the directory of store {}: {}", path, ec.message()));
    }
  } else {
    if (!std::filesystem::is_regular_file(path, ec)) {
      return absl::InvalidArgumentError(fmt::format("store {} is not a regular file", path));
    }
    FEDCLOAK_RETURN_IF_ERROR(CheckFileHeader(path, std::filesystem::file_size(path, ec)));
  }

  const int flags =
      options.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  FEDCLOAK_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(path, flags));
  FEDCLOAK_RETURN_IF_ERROR(db->Exec("PRAGMA busy_timeout = 10000"));
  FEDCLOAK_ASSIGN_OR_RETURN(uint32_t version, internal::ReadSchemaVersion(*db));
  const uint32_t latest = migrations.empty() ? 0 : migrations.back().to_version;
  if (version > latest) {
    return absl::FailedPreconditionError(fmt::format(
        "store {} was written by a newer fedcloak (schema version {}); this build supports "
        "schema versions up to {}: upgrade fedcloak to open it",
        path, version, latest));
  }
  if (options.verify_on_open) FEDCLOAK_RETURN_IF_ERROR(QuickCheck(*db, "PRAGMA quick_check"));
  if (options.read_only) {
    if (version < latest) {
      return absl::FailedPreconditionError(fmt::format(
          "store {} has schema version {} and needs migrating to {}; open it read-write once", path,
          version, latest));
    }
  } else {
    FEDCLOAK_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode = WAL"));
    FEDCLOAK_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous = FULL"));
    FEDCLOAK_RETURN_IF_ERROR(internal::MigrateSchema(*db, version, migrations));
    version = latest;
  }
  FEDCLOAK_RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys = ON"));
  return std::unique_ptr<RunStore>(new RunStore(std::move(db), path, options, version));
}

absl::Status RunStore::CheckIntegrity() const { return QuickCheck(*db_, "PRAGMA integrity_check"); }

absl::StatusOr<int64_t> RunStore::CreateRun(std::string_view name, std::string_view config,
                                            std::string_view mode) {
  FEDCLOAK_RETURN_IF_ERROR(CheckName("run name", name));
  FEDCLOAK_RETURN_IF_ERROR(CheckName("run mode", mode));
  FEDCLOAK_ASSIGN_OR_RETURN(
      Statement stmt, db_->Prepare("INSERT INTO runs (name, config, mode, created, status) VALUES "
                                   "(?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'running')"));
  stmt.Bind(1, name).Bind(2, config).Bind(3, mode);
  FEDCLOAK_RETURN_IF_ERROR(stmt.Run());
  return db_->last_insert_rowid();
}

absl::Status RunStore::CheckRunExists(int64_t run) const {
  FEDCLOAK_ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("SELECT 1 FROM runs WHERE id = ?"));
  stmt.Bind(1, run);
  FEDCLOAK_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return absl::NotFoundError(fmt::format("run {} is not in store {}", run, path_));
  return absl::OkStatus();
}

absl::Status RunStore::SetRunStatus(int64_t run, RunStatus status) {
  FEDCLOAK_RETURN_IF_ERROR(CheckRunExists(run));
  FEDCLOAK_ASSIGN_OR_RETURN(Statement stmt,
                            db_->Prepare("UPDATE runs SET status = ? WHERE id = ?"));
  stmt.Bind(1, RunStatusName(status)).Bind(2, run);
  return stmt.Run();
}

namespace {
constexpr std::string_view kRunColumns = "id, name, config, mode, created, status";

absl::StatusOr<RunInfo> ReadRun(const Statement& stmt, const std::string& store) {
  RunInfo r;
  r.id = stmt.Int(0);
  r.name = stmt.Text(1);
  r.config = stmt.Text(2);
  r.mode = stmt.Text(3);
  r.created = stmt.Text(4);
  auto status = ParseRunStatus(stmt.Text(5));
  if (!status) {
    return absl::DataLossError(
        fmt::format("store {}: run {} has unknown status '{}'", store, r.id, stmt.Text(5)));
  }
  r.status = *status;
  return r;
}
}  // namespace

absl::StatusOr<RunInfo> RunStore::GetRun(int64_t run) const {
  FEDCLOAK_ASSIGN_OR_RETURN(
      Statement stmt, db_->Prepare(fmt::format("SELECT {} FROM runs WHERE id = ?", kRunColumns)));
  stmt.Bind(1, run);
  FEDCLOAK_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return absl::NotFoundError(fmt::format("run {} is not in store {}", run, path_));
  return ReadRun(stmt, path_);
}

absl::StatusOr<std::vector<RunSummary>> RunStore::ListRuns() const {
  FEDCLOAK_ASSIGN_OR_RETURN(
      Statement stmt, db_->Prepare(fmt::format(
                          "SELECT {}, (SELECT COUNT(*) FROM rounds WHERE run = runs.id), "
                          "(SELECT MAX(round) FROM rounds WHERE run = runs.id), "
                          "(SELECT COALESCE(federated_accuracy, central_accuracy) FROM rounds "
                          " WHERE run = runs.id ORDER BY round DESC LIMIT 1) FROM runs ORDER BY id",
                          kRunColumns)));
  std::vector<RunSummary> out;
  for (;;) {
    FEDCLOAK_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    RunSummary s;
    FEDCLOAK_ASSIGN_OR_RETURN(s.info, ReadRun(stmt, path_));
    s.rounds_recorded = static_cast<uint64_t>(stmt.Int(6));
    s.last_round = static_cast<uint64_t>(stmt.Int(7));
    s.last_accuracy = stmt.OptionalDouble(8);
    out.push_back(std::move(s));
  }
  return out;
}

absl::StatusOr<std::optional<ResumePoint>> RunStore::FindResumableRun(
    std::string_view name, std::string_view config_snapshot) {
  FEDCLOAK_ASSIGN_OR_RETURN(
      Statement stmt,
      db_->Prepare(
          "SELECT id, (SELECT MAX(round) FROM checkpoints WHERE run = runs.id) FROM runs "
          "WHERE name = ? AND config = ? AND status = 'running' ORDER BY id DESC LIMIT 1"));
  stmt.Bind(1, name).Bind(2, config_snapshot);
  FEDCLOAK_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<ResumePoint>();
  ResumePoint p;
  p.run = stmt.Int(0);
  p.last_round = stmt.IsNull(1) ? 0 : static_cast<uint64_t>(stmt.Int(1));
  return std::optional<ResumePoint>(p);
}

}  // namespace fedcloak::store
