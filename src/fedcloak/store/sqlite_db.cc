#include "fedcloak/store/sqlite_db.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <climits>

#include "fedcloak/base/check.h"

namespace fedcloak::store::internal {
namespace {

absl::Status StatusFor(int code, std::string_view path, std::string_view what,
                       std::string_view message) {
  const std::string text =
      fmt::format("store {}: {}: {} ({})", path, what, message, sqlite3_errstr(code));
  switch (code & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(
          fmt::format("store {} is corrupt or not a fedcloak store: {}: {}", path, what, message));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(text);
    case SQLITE_READONLY:
      return absl::FailedPreconditionError(text);
    case SQLITE_CANTOPEN:
      return absl::NotFoundError(text);
    case SQLITE_CONSTRAINT:
      return absl::InvalidArgumentError(text);
    default:
      return absl::InternalError(text);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return StatusFor(rc, path, "cannot open", message);
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<Database>(new Database(db, path));
}

Database::~Database() { sqlite3_close(db_); }

absl::Status Database::Error(int code, std::string_view what) const {
  return StatusFor(code, path_, what, sqlite3_errmsg(db_));
}

absl::Status Database::Exec(std::string_view sql) {
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Error(rc, fmt::format("executing \"{:.60}\"", text));
  return absl::OkStatus();
}

absl::StatusOr<Statement> Database::Prepare(std::string_view sql) {
  FEDCLOAK_CHECK(sql.size() < INT_MAX);
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return Error(rc, fmt::format("preparing \"{:.60}\"", sql));
  }
  return Statement(this, stmt, std::string(sql));
}

int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), sql_(std::move(other.sql_)) {
  other.stmt_ = nullptr;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::Bind(int index, int64_t v) {
  FEDCLOAK_CHECK(sqlite3_bind_int64(stmt_, index, v) == SQLITE_OK, "bad bind index");
  return *this;
}

Statement& Statement::Bind(int index, double v) {
  FEDCLOAK_CHECK(sqlite3_bind_double(stmt_, index, v) == SQLITE_OK, "bad bind index");
  return *this;
}

Statement& Statement::Bind(int index, std::string_view v) {
  FEDCLOAK_CHECK(v.size() < INT_MAX);
  FEDCLOAK_CHECK(sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()),
                                   SQLITE_TRANSIENT) == SQLITE_OK,
                 "bad bind index");
  return *this;
}

Statement& Statement::BindNull(int index) {
  FEDCLOAK_CHECK(sqlite3_bind_null(stmt_, index) == SQLITE_OK, "bad bind index");
  return *this;
}

Statement& Statement::Bind(int index, const std::optional<double>& v) {
  return v ? Bind(index, *v) : BindNull(index);
}

absl::StatusOr<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error(rc, fmt::format("running \"{:.60}\"", sql_));
}

absl::Status Statement::Run() {
  for (;;) {
    auto row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::Double(int column) const { return sqlite3_column_double(stmt_, column); }

std::string Statement::Text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  if (p == nullptr || n <= 0) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
}

std::optional<double> Statement::OptionalDouble(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Double(column);
}

absl::StatusOr<Transaction> Transaction::Begin(Database& db) {
  if (auto s = db.Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) (void)db_->Exec("ROLLBACK");
}

absl::Status Transaction::Commit() {
  FEDCLOAK_CHECK(db_ != nullptr, "transaction already finished");
  Database* db = db_;
  absl::Status s = db->Exec("COMMIT");
  if (s.ok()) db_ = nullptr;  // on failure the destructor rolls back
  return s;
}

}  // namespace fedcloak::store::internal
