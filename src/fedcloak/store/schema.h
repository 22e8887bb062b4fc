// The run store's SQL schema and its migrations. The schema version lives in the
// database header (PRAGMA user_version); migration i takes a store from version i to
// i + 1 and runs in one transaction together with the version bump, so a crash during a
// migration leaves the store at the old version.
//
// Internal to module store.
#ifndef FEDCLOAK_STORE_SCHEMA_H_
#define FEDCLOAK_STORE_SCHEMA_H_

#include <cstdint>
#include <span>
#include <string_view>

#include "absl/status/status.h"
#include "fedcloak/store/sqlite_db.h"

namespace fedcloak::store::internal {

// One step: the SQL that takes the schema from version (to_version - 1) to to_version.
struct Migration {
  uint32_t to_version;
  std::string_view sql;
};

// The migrations of this build, in order; the last one's to_version is the current
// schema version.
std::span<const Migration> SchemaMigrations();

// The schema version this build writes.
uint32_t CurrentSchemaVersion();

// Reads PRAGMA user_version.
absl::StatusOr<uint32_t> ReadSchemaVersion(Database& db);

// Applies the migrations after `from` (each in its own transaction with the version
// bump). FailedPrecondition if `from` is newer than the last migration, naming both
// versions; other errors as the database reports them.
absl::Status MigrateSchema(Database& db, uint32_t from, std::span<const Migration> migrations);

}  // namespace fedcloak::store::internal

#endif  // FEDCLOAK_STORE_SCHEMA_H_
