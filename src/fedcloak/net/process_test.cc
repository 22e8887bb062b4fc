// Coordinator in this process, five sites as separate processes (net_test_site, whose
// path is the first command-line argument), one of them killed with SIGKILL mid-call.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <future>

#include "fedcloak/base/check.h"
#include "fedcloak/base/status_matchers.h"
#include "fedcloak/net/coordinator_server.h"
#include "fedcloak/net/test_pki.h"
#include "fmt/format.h"

extern char** environ;

namespace fedcloak::net {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using testing::FastCoordinatorOptions;
using testing::TestPki;

std::string g_site_binary;

// A child process running net_test_site; SIGKILLed on destruction if still running.
class SiteProcess {
 public:
  SiteProcess(const std::filesystem::path& kit, int port, int delay_ms) {
    const std::string address = fmt::format("127.0.0.1:{}", port);
    const std::string delay = std::to_string(delay_ms);
    const std::string kit_dir = kit.string();
    std::vector<char*> argv = {
        const_cast<char*>(g_site_binary.c_str()), const_cast<char*>("--kit"),
        const_cast<char*>(kit_dir.c_str()),       const_cast<char*>("--address"),
        const_cast<char*>(address.c_str()),       const_cast<char*>("--delay-ms"),
        const_cast<char*>(delay.c_str()),         nullptr};
    const int error =
        posix_spawn(&pid_, g_site_binary.c_str(), nullptr, nullptr, argv.data(), environ);
    FEDCLOAK_CHECK(error == 0, "posix_spawn of net_test_site failed");
  }
  ~SiteProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      Wait();
    }
  }
  void Signal(int signal) { ::kill(pid_, signal); }
  // Waits for the exit and returns the raw wait status.
  int Wait() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
};

TEST(NetProcessTest, FiveSiteProcessesOneKilledMidCall) {
  ASSERT_FALSE(g_site_binary.empty()) << "pass the path of net_test_site";
  const std::vector<std::string> names = {"s1", "s2", "s3", "s4", "s5"};
  TestPki pki(names);
  auto server = CoordinatorServer::Start(FastCoordinatorOptions(pki, names));
  ASSERT_THAT(server, IsOk());
  std::vector<std::unique_ptr<SiteProcess>> sites;
  for (const auto& name : names) {
    sites.push_back(std::make_unique<SiteProcess>(pki.dir() / "pki" / "sites" / name,
                                                  (*server)->port(), /*delay_ms=*/1500));
  }
  ASSERT_THAT((*server)->WaitForSites(5, absl::Seconds(20)), IsOk());

  std::vector<std::future<absl::StatusOr<fl::TaskResult>>> calls;
  std::vector<std::vector<uint8_t>> payloads;
  for (size_t i = 0; i < names.size(); ++i) {
    payloads.push_back(testing::PatternBytes(1 << 20, static_cast<uint8_t>(i)));
  }
  const absl::Time start = absl::Now();
  for (size_t i = 0; i < names.size(); ++i) {
    auto site = *(*server)->Site(names[i]);
    calls.push_back(std::async(std::launch::async, [site, &payloads, i] {
      fl::Task task;
      task.kind = fl::TaskKind::kTrain;
      task.round = 1;
      task.payload = payloads[i];
      return site->Call(task, absl::Seconds(10));
    }));
  }
  absl::SleepFor(absl::Milliseconds(500));  // every site is inside its 1.5 s handler
  sites[2]->Signal(SIGKILL);
  sites[2]->Wait();
  const absl::Time killed = absl::Now();

  auto dead = calls[2].get();
  EXPECT_THAT(dead.status().code(), ::testing::AnyOf(absl::StatusCode::kUnavailable,
                                                     absl::StatusCode::kDeadlineExceeded));
  EXPECT_LT(absl::Now() - killed, absl::Seconds(2)) << "the dead site's call lingered";
  for (size_t i : {size_t{0}, size_t{1}, size_t{3}, size_t{4}}) {
    auto result = calls[i].get();
    ASSERT_THAT(result, IsOk()) << names[i];
    EXPECT_TRUE(result->payload == payloads[i]) << names[i];
  }
  EXPECT_LT(absl::Now() - start, absl::Seconds(8));
  EXPECT_EQ((*server)->ConnectedSites().size(), 4u);

  // The survivors stop cleanly on SIGTERM.
  for (size_t i : {size_t{0}, size_t{1}, size_t{3}, size_t{4}}) sites[i]->Signal(SIGTERM);
  for (size_t i : {size_t{0}, size_t{1}, size_t{3}, size_t{4}}) {
    const int status = sites[i]->Wait();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << names[i] << " " << status;
  }
}

}  // namespace
}  // namespace fedcloak::net

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc > 1) fedcloak::net::g_site_binary = argv[1];
  return RUN_ALL_TESTS();
}
