// A thin RAII layer over the SQLite C API for module store: a connection, prepared
// statements with typed binds and columns, and transactions. SQLite result codes become
// absl::Status values that name the store file: corrupt or foreign files are DataLoss,
// a busy database Unavailable, a read-only one FailedPrecondition, I/O errors Internal.
//
// Internal to module store. Not thread-safe: one connection per thread.
#ifndef FEDCLOAK_STORE_SQLITE_DB_H_
#define FEDCLOAK_STORE_SQLITE_DB_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct sqlite3;
struct sqlite3_stmt;

namespace fedcloak::store::internal {

class Statement;

class Database {
 public:
  // Opens `path` with sqlite3_open_v2 `flags` (SQLITE_OPEN_*). Errors as described above.
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path, int flags);

  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements that return no rows of interest.
  absl::Status Exec(std::string_view sql);

  // Prepares exactly one statement.
  absl::StatusOr<Statement> Prepare(std::string_view sql);

  // The status for SQLite result `code` while doing `what`, with the connection's message.
  absl::Status Error(int code, std::string_view what) const;

  int64_t last_insert_rowid() const;
  const std::string& path() const { return path_; }

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;
  std::string path_;
};

// A prepared statement. Binds are 1-based, columns 0-based (as in SQLite). Binding a
// wrong index is a bug (FEDCLOAK_CHECK).
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  Statement& Bind(int index, int64_t v);
  Statement& Bind(int index, double v);
  Statement& Bind(int index, std::string_view v);  // text
  Statement& BindNull(int index);
  Statement& Bind(int index, const std::optional<double>& v);

  // Advances: true if a row is available, false when done.
  absl::StatusOr<bool> Step();
  // Steps to completion, ignoring rows.
  absl::Status Run();
  // Resets for re-execution with new binds.
  void Reset();

  bool IsNull(int column) const;
  int64_t Int(int column) const;
  double Double(int column) const;
  std::string Text(int column) const;
  std::optional<double> OptionalDouble(int column) const;

 private:
  friend class Database;
  Statement(const Database* db, sqlite3_stmt* stmt, std::string sql)
      : db_(db), stmt_(stmt), sql_(std::move(sql)) {}

  const Database* db_;
  sqlite3_stmt* stmt_;
  std::string sql_;
};

// BEGIN IMMEDIATE ... COMMIT; rolled back on destruction unless committed.
class Transaction {
 public:
  static absl::StatusOr<Transaction> Begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  absl::Status Commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
};

}  // namespace fedcloak::store::internal

#endif  // FEDCLOAK_STORE_SQLITE_DB_H_
