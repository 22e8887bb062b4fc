#include "fedcloak/store/run_store.h"

#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "fedcloak/base/status_matchers.h"
#include "fedcloak/store/schema.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::store {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string FreshDir(const std::string& name) {
  const std::string dir =
      (std::filesystem::path(::testing::TempDir()) / ("store_test_" + name)).lexically_normal();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::vector<char> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}

void WriteAll(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Runs one SQL statement on the file directly (not through RunStore); returns the
// first column of the first row as text.
std::string RawSql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
  std::string out;
  if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

fl::RoundRecord Record(uint64_t round) {
  fl::RoundRecord r;
  r.round = round;
  r.selected = {"site-1", "site-2", "site-3"};
  r.survivors = {"site-1", "site-3"};
  r.dropouts = {"site-2"};
  r.total_weight = 300;
  r.train_loss = 0.5 / static_cast<double>(round);
  r.evaluation = fl::LocalMetrics{0.4, 0.8, 0.9, std::nullopt, std::nullopt, 120};
  r.seconds = 1.25;
  r.bytes_to_sites = 1000 * round;
  r.bytes_from_sites = 2000 * round;
  return r;
}

// A store with one run and three rounds (the third failed).
std::unique_ptr<RunStore> Populated(const std::string& path, int64_t* run) {
  auto store = RunStore::Open(path);
  EXPECT_THAT(store, IsOk());
  auto id = (*store)->CreateRun("mnist", "[run]\nrounds = 3\n", "secagg");
  EXPECT_THAT(id, IsOk());
  *run = *id;
  for (uint64_t r = 1; r <= 3; ++r) {
    fl::RoundRecord rec = Record(r);
    if (r == 3) rec.status = absl::FailedPreconditionError("only 1 of 3 sites survived, need 2");
    RoundExtras x;
    x.central = fl::LocalMetrics{0.3, 0.85, std::nullopt, std::nullopt, std::nullopt, 500};
    x.privacy = PrivacyRecord{0.5 * static_cast<double>(r), 1e-5, 1.1, 0.7};
    x.site_metrics = {{"site-1", "accuracy", 0.75}, {"site-3", "loss", 0.5}};
    EXPECT_THAT((*store)->CommitRound(*run, rec, x, std::nullopt), IsOk());
  }
  return std::move(*store);
}

TEST(StoreRunStoreTest, NewStoreHasCurrentSchemaInWalMode) {
  const std::string path = FreshDir("new") + "/sub/dir/runs.sqlite";
  auto store = RunStore::Open(path);
  ASSERT_THAT(store, IsOk());
  EXPECT_EQ((*store)->schema_version(), internal::CurrentSchemaVersion());
  EXPECT_THAT((*store)->CheckIntegrity(), IsOk());
  EXPECT_EQ(RawSql(path, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(RawSql(path, "PRAGMA user_version"), "1");
}

TEST(StoreRunStoreTest, ReadOnlyOpenOfAMissingStoreCreatesNothing) {
  const std::string path = FreshDir("missing") + "/none.sqlite";
  EXPECT_THAT(RunStore::Open(path, {.read_only = true}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("does not exist")));
  EXPECT_THAT(RunStore::Open(path, {.create_if_missing = false}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(StoreRunStoreTest, StoreOfANewerVersionIsRefusedAndLeftAlone) {
  const std::string path = FreshDir("newer") + "/runs.sqlite";
  ASSERT_THAT(RunStore::Open(path), IsOk());
  RawSql(path, "PRAGMA user_version = 99");
  const auto before = ReadAll(path);
  EXPECT_THAT(
      RunStore::Open(path),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr("schema version 99); this build supports schema versions up to 1")));
  EXPECT_EQ(ReadAll(path), before);
}

TEST(StoreRunStoreTest, MigratesAnOlderStoreAndRollsBackAFailedMigration) {
  const std::string path = FreshDir("migrate") + "/runs.sqlite";
  int64_t run = 0;
  Populated(path, &run).reset();
  // A hypothetical version 2 that adds a column.
  std::vector<internal::Migration> next(internal::SchemaMigrations().begin(),
                                        internal::SchemaMigrations().end());
  next.push_back({2, "ALTER TABLE runs ADD COLUMN note TEXT NOT NULL DEFAULT ''"});
  {
    auto v2 = RunStore::OpenWithMigrations(path, {}, next);
    ASSERT_THAT(v2, IsOk());
    EXPECT_EQ((*v2)->schema_version(), 2u);
    auto rounds = (*v2)->ListRounds(run);  // the data survived
    ASSERT_THAT(rounds, IsOk());
    EXPECT_EQ(rounds->size(), 3u);
  }
  EXPECT_EQ(RawSql(path, "SELECT COUNT(*) FROM pragma_table_info('runs') WHERE name = 'note'"),
            "1");
  // Version 3 fails half-way: nothing of it stays, the version stays 2.
  next.push_back({3, "CREATE TABLE v3 (x); CREATE TABLE runs (x)"});
  EXPECT_THAT(RunStore::OpenWithMigrations(path, {}, next),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("to schema version 3")));
  EXPECT_EQ(RawSql(path, "PRAGMA user_version"), "2");
  EXPECT_EQ(RawSql(path, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'v3'"), "0");
  // And this build (version 1) now refuses the store.
  EXPECT_THAT(RunStore::Open(path), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(StoreRunStoreTest, ForeignFileIsDataLossAndUntouched) {
  const std::string path = FreshDir("foreign") + "/runs.sqlite";
  const std::vector<char> text = {'h', 'e', 'l', 'l', 'o', '\n'};
  WriteAll(path, text);
  EXPECT_THAT(RunStore::Open(path),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("shorter than an SQLite header")));
  std::vector<char> big(8192, 'x');
  WriteAll(path, big);
  EXPECT_THAT(RunStore::Open(path),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("not a fedcloak store")));
  EXPECT_EQ(ReadAll(path), big);
}

TEST(StoreRunStoreTest, TruncatedOrCorruptStoreIsDataLossAndUntouched) {
  const std::string dir = FreshDir("truncated");
  const std::string path = dir + "/runs.sqlite";
  int64_t run = 0;
  {
    auto store = Populated(path, &run);  // closing checkpoints the WAL into the file
    const std::vector<float> model = {1, 2};
    ASSERT_THAT(store->SaveCheckpoint(run, 3, model, {}, {}), IsOk());
  }
  const auto whole = ReadAll(path);
  const size_t page = 4096;
  ASSERT_GE(whole.size(), 4 * page);
  for (size_t n : {size_t{50}, page + 100, whole.size() - 1, page * 2, whole.size() - page}) {
    std::vector<char> cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n));
    WriteAll(path, cut);
    EXPECT_THAT(RunStore::Open(path), StatusIs(absl::StatusCode::kDataLoss, HasSubstr(path)))
        << "truncated to " << n;
    EXPECT_EQ(ReadAll(path), cut) << "truncated to " << n;
  }
  // Emptied: the checkpoint directory shows there was a store.
  WriteAll(path, {});
  EXPECT_THAT(RunStore::Open(path),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("the store was truncated")));
  EXPECT_EQ(std::filesystem::file_size(path), 0u);
  // Garbage over the last page (a b-tree page of some table).
  auto corrupt = whole;
  for (size_t i = corrupt.size() - page; i < corrupt.size(); i += 7) corrupt[i] = '\x5a';
  WriteAll(path, corrupt);
  EXPECT_THAT(RunStore::Open(path), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_EQ(ReadAll(path), corrupt);
  WriteAll(path, whole);
  EXPECT_THAT(RunStore::Open(path), IsOk());
}

TEST(StoreRunStoreTest, RoundsRoundTrip) {
  const std::string path = FreshDir("rounds") + "/runs.sqlite";
  int64_t run = 0;
  auto store = Populated(path, &run);
  auto rounds = store->ListRounds(run);
  ASSERT_THAT(rounds, IsOk());
  ASSERT_EQ(rounds->size(), 3u);
  const RoundRow& r = (*rounds)[1];
  EXPECT_EQ(r.round, 2u);
  EXPECT_TRUE(r.ok);
  EXPECT_THAT(r.selected, ElementsAre("site-1", "site-2", "site-3"));
  EXPECT_THAT(r.survivors, ElementsAre("site-1", "site-3"));
  EXPECT_THAT(r.dropouts, ElementsAre("site-2"));
  EXPECT_EQ(r.total_weight, 300u);
  EXPECT_DOUBLE_EQ(*r.train_loss, 0.25);
  ASSERT_TRUE(r.federated.has_value());
  EXPECT_DOUBLE_EQ(r.federated->accuracy, 0.8);
  EXPECT_DOUBLE_EQ(*r.federated->auc, 0.9);
  EXPECT_FALSE(r.federated->precision.has_value());
  EXPECT_EQ(r.federated->num_examples, 120u);
  ASSERT_TRUE(r.central.has_value());
  EXPECT_DOUBLE_EQ(r.central->accuracy, 0.85);
  ASSERT_TRUE(r.privacy.has_value());
  EXPECT_DOUBLE_EQ(r.privacy->epsilon, 1.0);
  EXPECT_DOUBLE_EQ(r.privacy->noise_multiplier, 1.1);
  EXPECT_EQ(r.bytes_to_sites, 2000u);
  EXPECT_EQ(r.bytes_from_sites, 4000u);
  EXPECT_EQ(r.finished.size(), 20u);  // 2025-01-02T03:04:05Z
  const RoundRow& failed = (*rounds)[2];
  EXPECT_FALSE(failed.ok);
  EXPECT_EQ(failed.error, "only 1 of 3 sites survived, need 2");
  EXPECT_FALSE(failed.train_loss.has_value());

  auto sites = store->ListSiteMetrics(run);
  ASSERT_THAT(sites, IsOk());
  ASSERT_EQ(sites->size(), 6u);
  EXPECT_EQ((*sites)[0].metric.site, "site-1");
  EXPECT_EQ((*sites)[1].metric.name, "loss");

  // A re-run round replaces the old record and its site metrics and privacy row.
  fl::RoundRecord again = Record(2);
  again.train_loss = 0.125;
  ASSERT_THAT(store->CommitRound(run, again, {}, std::nullopt), IsOk());
  rounds = store->ListRounds(run);
  ASSERT_THAT(rounds, IsOk());
  ASSERT_EQ(rounds->size(), 3u);
  EXPECT_DOUBLE_EQ(*(*rounds)[1].train_loss, 0.125);
  EXPECT_FALSE((*rounds)[1].privacy.has_value());
  EXPECT_EQ(store->ListSiteMetrics(run)->size(), 4u);

  auto runs = store->ListRuns();
  ASSERT_THAT(runs, IsOk());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].info.name, "mnist");
  EXPECT_EQ((*runs)[0].info.mode, "secagg");
  EXPECT_EQ((*runs)[0].rounds_recorded, 3u);
  EXPECT_EQ((*runs)[0].last_round, 3u);
  EXPECT_DOUBLE_EQ(*(*runs)[0].last_accuracy, 0.8);
}

TEST(StoreRunStoreTest, UnknownRunsAndBadRoundsAreRefused) {
  const std::string path = FreshDir("unknown") + "/runs.sqlite";
  int64_t run = 0;
  auto store = Populated(path, &run);
  EXPECT_THAT(store->GetRun(run + 5),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("is not in store")));
  EXPECT_THAT(store->ListRounds(run + 5), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store->CommitRound(run + 5, Record(1), {}, std::nullopt),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store->LoadLatestCheckpoint(run + 5), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store->LoadLatestCheckpoint(run),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("has no checkpoint")));
  EXPECT_THAT(store->CommitRound(run, Record(0), {}, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument));
  fl::RoundRecord huge = Record(4);
  huge.bytes_from_sites = ~uint64_t{0};
  EXPECT_THAT(store->CommitRound(run, huge, {}, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bytes from sites")));
  EXPECT_THAT(store->CreateRun("", "x", "plain"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(StoreRunStoreTest, CheckpointsAreVerifiedAndPruned) {
  const std::string path = FreshDir("ckpt") + "/runs.sqlite";
  auto store = RunStore::Open(path, {.keep_checkpoints = 2});
  ASSERT_THAT(store, IsOk());
  auto run = (*store)->CreateRun("r", "cfg", "he");
  ASSERT_THAT(run, IsOk());
  std::vector<std::string> files;
  for (uint64_t round = 0; round <= 4; ++round) {
    const std::vector<float> model = {static_cast<float>(round), 2.0f};
    if (round == 0) {
      auto info = (*store)->SaveCheckpoint(*run, 0, model, {}, {});
      ASSERT_THAT(info, IsOk());
      files.push_back(info->path);
    } else {
      RoundExtras x;
      x.strategy_state = {static_cast<uint8_t>(round)};
      x.checkpoint_extra = {42};
      ASSERT_THAT((*store)->CommitRound(*run, Record(round), x, std::span<const float>(model)),
                  IsOk());
    }
  }
  auto list = (*store)->ListCheckpoints(*run);
  ASSERT_THAT(list, IsOk());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].round, 3u);
  EXPECT_EQ((*list)[1].round, 4u);
  EXPECT_FALSE(std::filesystem::exists(files[0])) << "pruned file still there";
  EXPECT_EQ(
      std::distance(std::filesystem::directory_iterator((*store)->checkpoint_dir() + "/run-1"),
                    std::filesystem::directory_iterator{}),
      2);

  auto latest = (*store)->LoadLatestCheckpoint(*run);
  ASSERT_THAT(latest, IsOk());
  EXPECT_EQ(latest->round, 4u);
  EXPECT_THAT(latest->model, ElementsAre(4.0f, 2.0f));
  EXPECT_THAT(latest->strategy_state, ElementsAre(4));
  EXPECT_THAT(latest->extra, ElementsAre(42));

  // Tampering: a flipped byte, a truncation, a deletion. Each names the file.
  const std::string file = (*list)[1].path;
  const auto good = ReadAll(file);
  auto flipped = good;
  flipped[flipped.size() - 3] ^= 1;
  WriteAll(file, flipped);
  EXPECT_THAT((*store)->LoadLatestCheckpoint(*run),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr(file + " is corrupt: its SHA-256")));
  WriteAll(file, std::vector<char>(good.begin(), good.end() - 1));
  EXPECT_THAT((*store)->LoadLatestCheckpoint(*run),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr(file)));
  std::filesystem::remove(file);
  EXPECT_THAT((*store)->LoadLatestCheckpoint(*run),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr(file)));
}

TEST(StoreRunStoreTest, FindsTheRunToResume) {
  const std::string path = FreshDir("resume") + "/runs.sqlite";
  auto store = RunStore::Open(path);
  ASSERT_THAT(store, IsOk());
  auto none = (*store)->FindResumableRun("a", "cfg");
  ASSERT_THAT(none, IsOk());
  EXPECT_FALSE(none->has_value());
  auto run = (*store)->CreateRun("a", "cfg", "plain");
  ASSERT_THAT(run, IsOk());
  auto fresh = (*store)->FindResumableRun("a", "cfg");
  ASSERT_THAT(fresh, IsOk());
  ASSERT_TRUE(fresh->has_value());
  EXPECT_EQ((*fresh)->run, *run);
  EXPECT_EQ((*fresh)->last_round, 0u);
  const std::vector<float> model = {1};
  for (uint64_t r = 1; r <= 2; ++r) {
    ASSERT_THAT((*store)->CommitRound(*run, Record(r), {}, std::span<const float>(model)), IsOk());
  }
  auto resumable = (*store)->FindResumableRun("a", "cfg");
  ASSERT_THAT(resumable, IsOk());
  EXPECT_EQ((*resumable)->last_round, 2u);
  EXPECT_FALSE((*store)->FindResumableRun("a", "other cfg")->has_value());
  EXPECT_FALSE((*store)->FindResumableRun("b", "cfg")->has_value());
  ASSERT_THAT((*store)->SetRunStatus(*run, RunStatus::kCompleted), IsOk());
  EXPECT_FALSE((*store)->FindResumableRun("a", "cfg")->has_value());
  EXPECT_EQ((*store)->GetRun(*run)->status, RunStatus::kCompleted);
}

}  // namespace
}  // namespace fedcloak::store
