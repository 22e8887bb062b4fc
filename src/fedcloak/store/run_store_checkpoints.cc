// RunStore: checkpoint files and their references.
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>

#include "fedcloak/base/status.h"
#include "fedcloak/store/run_store.h"
#include "fedcloak/store/sqlite_db.h"

namespace fedcloak::store {

using internal::Statement;
using internal::Transaction;

namespace {

// Creates `dir` and any missing parents, making each new entry durable.
absl::Status CreateDirectoryDurably(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return absl::OkStatus();
  FEDCLOAK_RETURN_IF_ERROR(CreateDirectoryDurably(dir.parent_path()));
  std::filesystem::create_directory(dir, ec);
  if (ec) {
    return absl::InternalError(
        fmt::format("cannot create directory {}: {}", dir.string(), ec.message()));
  }
  return FsyncDirectory(dir.parent_path().string());
}

}  // namespace

std::string RunStore::RelativeCheckpointPath(const std::string& absolute) const {
  return std::filesystem::path(absolute).lexically_relative(checkpoint_dir()).string();
}

absl::StatusOr<CheckpointInfo> RunStore::WriteCheckpointFile(const CheckpointContents& contents) {
  if (contents.model.size() > kMaxCheckpointValues) {
    return absl::InvalidArgumentError(
        fmt::format("model of {} values exceeds the {} a checkpoint holds", contents.model.size(),
                    kMaxCheckpointValues));
  }
  if (options_.read_only) {
    return absl::FailedPreconditionError(fmt::format("store {} is open read-only", path_));
  }
  const std::vector<uint8_t> bytes = EncodeCheckpoint(contents);
  CheckpointInfo info;
  info.run = contents.run;
  info.round = contents.round;
  info.sha256 = Sha256Hex(bytes);
  info.size = bytes.size();
  // The digest in the name makes every distinct content a distinct file, so a file the
  // store references is never replaced in place.
  const std::filesystem::path dir =
      std::filesystem::path(checkpoint_dir()) / fmt::format("run-{}", contents.run);
  FEDCLOAK_RETURN_IF_ERROR(CreateDirectoryDurably(dir));
  info.path = (dir / fmt::format("round-{:06}-{}.ckpt", contents.round, info.sha256.substr(0, 16)))
                  .string();
  FEDCLOAK_RETURN_IF_ERROR(WriteFileAtomically(info.path, bytes));
  return info;
}

absl::StatusOr<std::vector<std::string>> RunStore::ReferenceCheckpoint(const CheckpointInfo& info) {
  std::vector<std::string> unreferenced;
  const auto round = static_cast<int64_t>(info.round);
  {
    FEDCLOAK_ASSIGN_OR_RETURN(
        Statement stmt, db_->Prepare("SELECT path FROM checkpoints WHERE run = ? AND round = ?"));
    stmt.Bind(1, info.run).Bind(2, round);
    FEDCLOAK_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row && checkpoint_dir() + "/" + stmt.Text(0) != info.path) {
      unreferenced.push_back(checkpoint_dir() + "/" + stmt.Text(0));
    }
  }
  {
    FEDCLOAK_ASSIGN_OR_RETURN(
        Statement stmt,
        db_->Prepare("INSERT OR REPLACE INTO checkpoints (run, round, path, sha256, "
                     "size) VALUES (?, ?, ?, ?, ?)"));
    stmt.Bind(1, info.run).Bind(2, round).Bind(3, RelativeCheckpointPath(info.path));
    stmt.Bind(4, info.sha256).Bind(5, static_cast<int64_t>(info.size));
    FEDCLOAK_RETURN_IF_ERROR(stmt.Run());
  }
  if (options_.keep_checkpoints > 0) {
    const std::string older =
        "FROM checkpoints WHERE run = ?1 AND round < (SELECT MIN(round) FROM (SELECT round FROM "
        "checkpoints WHERE run = ?1 ORDER BY round DESC LIMIT ?2))";
    FEDCLOAK_ASSIGN_OR_RETURN(Statement sel, db_->Prepare("SELECT path " + older));
    sel.Bind(1, info.run).Bind(2, static_cast<int64_t>(options_.keep_checkpoints));
    for (;;) {
      FEDCLOAK_ASSIGN_OR_RETURN(bool row, sel.Step());
      if (!row) break;
      unreferenced.push_back(checkpoint_dir() + "/" + sel.Text(0));
    }
    FEDCLOAK_ASSIGN_OR_RETURN(Statement del, db_->Prepare("DELETE " + older));
    del.Bind(1, info.run).Bind(2, static_cast<int64_t>(options_.keep_checkpoints));
    FEDCLOAK_RETURN_IF_ERROR(del.Run());
  }
  return unreferenced;
}

absl::StatusOr<CheckpointInfo> RunStore::SaveCheckpoint(int64_t run, uint64_t round,
                                                        std::span<const float> model,
                                                        std::span<const uint8_t> strategy_state,
                                                        std::span<const uint8_t> extra) {
  if (round > static_cast<uint64_t>(INT64_MAX)) {
    return absl::InvalidArgumentError(fmt::format("round {} exceeds 2^63 - 1", round));
  }
  FEDCLOAK_RETURN_IF_ERROR(CheckRunExists(run));
  CheckpointContents c;
  c.run = run;
  c.round = round;
  c.model.assign(model.begin(), model.end());
  c.strategy_state.assign(strategy_state.begin(), strategy_state.end());
  c.extra.assign(extra.begin(), extra.end());
  FEDCLOAK_ASSIGN_OR_RETURN(CheckpointInfo info, WriteCheckpointFile(c));
  FEDCLOAK_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db_));
  FEDCLOAK_ASSIGN_OR_RETURN(std::vector<std::string> unreferenced, ReferenceCheckpoint(info));
  FEDCLOAK_RETURN_IF_ERROR(txn.Commit());
  for (const std::string& f : unreferenced) ::unlink(f.c_str());  // best effort
  return info;
}

absl::StatusOr<std::vector<CheckpointInfo>> RunStore::ListCheckpoints(int64_t run) const {
  FEDCLOAK_RETURN_IF_ERROR(CheckRunExists(run));
  FEDCLOAK_ASSIGN_OR_RETURN(
      Statement stmt,
      db_->Prepare("SELECT round, path, sha256, size FROM checkpoints WHERE run = ? "
                   "ORDER BY round"));
  stmt.Bind(1, run);
  std::vector<CheckpointInfo> out;
  for (;;) {
    FEDCLOAK_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    const std::string rel = stmt.Text(1);
    if (rel.empty() || rel.front() == '/' || rel.find("..") != std::string::npos) {
      return absl::DataLossError(fmt::format("store {}: checkpoint path '{}' is not inside {}",
                                             path_, rel, checkpoint_dir()));
    }
    out.push_back({run, static_cast<uint64_t>(stmt.Int(0)), checkpoint_dir() + "/" + rel,
                   stmt.Text(2), static_cast<uint64_t>(stmt.Int(3))});
  }
  return out;
}

absl::StatusOr<CheckpointContents> RunStore::LoadLatestCheckpoint(int64_t run) const {
  FEDCLOAK_ASSIGN_OR_RETURN(std::vector<CheckpointInfo> all, ListCheckpoints(run));
  if (all.empty()) {
    return absl::NotFoundError(fmt::format("run {} in store {} has no checkpoint", run, path_));
  }
  const CheckpointInfo& info = all.back();
  FEDCLOAK_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFileOfSize(info.path, info.size));
  const std::string sha = Sha256Hex(bytes);
  if (sha != info.sha256) {
    return absl::DataLossError(
        fmt::format("checkpoint {} is corrupt: its SHA-256 is {}, the store records {}", info.path,
                    sha, info.sha256));
  }
  FEDCLOAK_ASSIGN_OR_RETURN(CheckpointContents c, DecodeCheckpoint(bytes, info.path));
  if (c.run != run || c.round != info.round) {
    return absl::DataLossError(fmt::format(
        "checkpoint {} holds run {} round {}, the store references it as run {} round {}",
        info.path, c.run, c.round, run, info.round));
  }
  return c;
}

}  // namespace fedcloak::store
