// Crash consistency: a child process commits rounds with checkpoints in a loop and is
// killed with SIGKILL at random moments (during open, migration, a checkpoint write or
// a commit), again and again, each time resuming where the store says it stopped. After
// every kill the store must open, pass PRAGMA integrity_check, hold the rounds
// 1..n without a gap, never fewer than before, and the last round's checkpoint must
// load with a valid checksum and the exact expected content.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "fedcloak/base/status_matchers.h"
#include "fedcloak/store/run_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::store {
namespace {

using ::fedcloak::testing::IsOk;

constexpr char kName[] = "crash";
constexpr char kConfig[] = "[run]\nname = \"crash\"\n";

std::vector<float> ExpectedModel(uint64_t round) {
  std::vector<float> m(20000);
  for (size_t i = 0; i < m.size(); ++i) m[i] = static_cast<float>(round * 31 + i % 1000);
  return m;
}

std::vector<uint8_t> ExpectedState(uint64_t round) {
  return std::vector<uint8_t>(64 + round % 7, static_cast<uint8_t>(round));
}

// The child: resume (or start) the run and commit rounds until killed. Reports each
// commit with one byte on `fd`.
[[noreturn]] void Writer(const std::string& path, int fd) {
  auto store = RunStore::Open(path, {.keep_checkpoints = 2});
  if (!store.ok()) _exit(2);
  auto point = (*store)->FindResumableRun(kName, kConfig);
  if (!point.ok()) _exit(3);
  int64_t run = 0;
  uint64_t next = 1;
  if (point->has_value()) {
    run = (*point)->run;
    next = (*point)->last_round + 1;
  } else {
    auto created = (*store)->CreateRun(kName, kConfig, "plain");
    if (!created.ok()) _exit(4);
    run = *created;
  }
  for (uint64_t round = next;; ++round) {
    fl::RoundRecord r;
    r.round = round;
    r.selected = {"site-1", "site-2"};
    r.survivors = r.selected;
    r.train_loss = 1.0 / static_cast<double>(round);
    RoundExtras x;
    x.strategy_state = ExpectedState(round);
    x.site_metrics = {{"site-1", "accuracy", 0.5}};
    const std::vector<float> model = ExpectedModel(round);
    if (!(*store)->CommitRound(run, r, x, std::span<const float>(model)).ok()) _exit(5);
    const char byte = 'r';
    if (write(fd, &byte, 1) != 1) _exit(6);
  }
}

TEST(StoreCrashTest, SigkillAtRandomMomentsNeverLosesOrCorruptsCommittedRounds) {
  uint64_t seed = 20240917;
  if (const char* s = std::getenv("FEDCLOAK_TEST_SEED")) seed = std::strtoull(s, nullptr, 10);
  SCOPED_TRACE(::testing::Message() << "seed " << seed << " (set FEDCLOAK_TEST_SEED to repeat)");
  std::mt19937_64 rng(seed);
  const std::string dir = ::testing::TempDir() + "/store_crash";
  std::filesystem::remove_all(dir);
  const std::string path = dir + "/runs.sqlite";

  uint64_t committed = 0;  // rounds the child reported, at least, as committed
  uint64_t recorded = 0;   // rounds found after the previous kill
  int kills = 0;
  for (int iteration = 0; iteration < 30; ++iteration) {
    SCOPED_TRACE(::testing::Message() << "iteration " << iteration);
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      Writer(path, fds[1]);
    }
    close(fds[1]);
    // Let the child commit 0..3 rounds, then kill it 0..6 ms later.
    const uint64_t wait_for = rng() % 4;
    for (uint64_t i = 0; i < wait_for; ++i) {
      char byte;
      ASSERT_EQ(read(fds[0], &byte, 1), 1) << "writer died on its own";
      ++committed;
    }
    usleep(static_cast<useconds_t>(rng() % 6000));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "writer exited with " << WEXITSTATUS(status);
    ++kills;
    char byte;
    while (read(fds[0], &byte, 1) == 1) ++committed;  // reported before the kill
    close(fds[0]);

    auto store = RunStore::Open(path);
    ASSERT_THAT(store, IsOk());
    ASSERT_THAT((*store)->CheckIntegrity(), IsOk());
    auto point = (*store)->FindResumableRun(kName, kConfig);
    ASSERT_THAT(point, IsOk());
    if (!point->has_value()) {
      ASSERT_EQ(committed, 0u);
      continue;
    }
    auto rounds = (*store)->ListRounds((*point)->run);
    ASSERT_THAT(rounds, IsOk());
    for (size_t i = 0; i < rounds->size(); ++i) ASSERT_EQ((*rounds)[i].round, i + 1);
    ASSERT_EQ(rounds->size(), (*point)->last_round);
    ASSERT_GE(rounds->size(), recorded) << "committed rounds were lost";
    ASSERT_GE(rounds->size(), committed) << "a reported commit is missing";
    recorded = rounds->size();
    if (recorded > 0) {
      auto checkpoint = (*store)->LoadLatestCheckpoint((*point)->run);
      ASSERT_THAT(checkpoint, IsOk());
      ASSERT_EQ(checkpoint->round, recorded);
      ASSERT_EQ(checkpoint->model, ExpectedModel(recorded));
      ASSERT_EQ(checkpoint->strategy_state, ExpectedState(recorded));
    }
    committed = recorded;
  }
  EXPECT_EQ(kills, 30);
  EXPECT_GE(recorded, 20u) << "the writer made too little progress for the test to mean much";
}

}  // namespace
}  // namespace fedcloak::store
