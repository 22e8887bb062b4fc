// Loads the dashboard in Debian's headless Chromium: the page must render the current
// round and draw every round as a chart point (the page's script records the number of
// points it drew in data-points attributes). The screenshot is kept as
// <build dir>/dashboard.png for a human to look at.
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "fedcloak/base/status_matchers.h"
#include "fedcloak/web/dashboard.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::web {
namespace {

using ::fedcloak::testing::IsOk;
using ::testing::HasSubstr;

constexpr char kChromium[] = "/usr/bin/chromium";
constexpr uint64_t kRounds = 24;

// Runs `argv` in its own process group with stdout to `out_path`; kills the whole group
// after `timeout`. Returns the exit status, or -1 on timeout.
int RunWithTimeout(const std::vector<std::string>& argv, const std::string& out_path,
                   std::chrono::seconds timeout) {
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = open("/dev/null", O_WRONLY);
    dup2(out, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(-pid, SIGKILL);  // helpers Chromium may have left in its group
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void FillFakeRun(DashboardState& state) {
  state.SetRunInfo({"fashion-mnist-iid",
                    "secagg",
                    "fedadam",
                    {{"threshold t", "6"},
                     {"neighbours k", "8"},
                     {"clip range", "\u00b11.0"},
                     {"fixed-point scale", "2^16"},
                     {"server lr", "0.01"},
                     {"sites per round", "10 of 10"}},
                    50,
                    10});
  state.SetSitesOnline(9);
  for (uint64_t n = 1; n <= kRounds; ++n) {
    const double t = static_cast<double>(n);
    state.SetPrivacy(0.35 * std::sqrt(t), 1e-5);
    fl::RoundRecord r;
    r.round = n;
    for (int i = 1; i <= 10; ++i) r.selected.push_back("site-" + std::to_string(i));
    const int drop = static_cast<int>(n % 5 == 0) + static_cast<int>(n % 7 == 0);
    r.survivors.assign(r.selected.begin(), r.selected.end() - drop);
    r.dropouts.assign(r.selected.end() - drop, r.selected.end());
    r.train_loss = 0.3 + 1.6 * std::exp(-t / 5);
    fl::LocalMetrics m;
    m.loss = 0.32 + 1.5 * std::exp(-t / 5.5);
    m.accuracy = 0.89 - 0.62 * std::exp(-t / 4.5);
    r.evaluation = m;
    r.seconds = 11.5 + static_cast<double>(n % 3);
    r.bytes_to_sites = 10 * 1'780'000;
    r.bytes_from_sites = static_cast<uint64_t>(r.survivors.size()) * 2'310'000;
    fl::LocalMetrics central;
    central.loss = m.loss * 0.97;
    central.accuracy = m.accuracy + 0.004;
    state.RoundStarted(n, r.selected.size());
    state.RoundFinished(r, central);
  }
}

TEST(WebDashboardBrowserTest, ChromiumRendersRoundAndAllChartPoints) {
  ASSERT_EQ(access(kChromium, X_OK), 0)
      << kChromium << " is missing: run scripts/install-deps (Debian package chromium)";
  DashboardState state;
  FillFakeRun(state);
  auto dashboard = Dashboard::Start({.bind = "127.0.0.1", .port = 0}, &state);
  ASSERT_THAT(dashboard, IsOk());

  char profile_template[] = "/tmp/fedcloak-chromium-XXXXXX";
  ASSERT_NE(mkdtemp(profile_template), nullptr);
  const std::string profile = profile_template;
  const std::string screenshot = std::string(FEDCLOAK_BUILD_DIR) + "/dashboard.png";
  const std::string dom_file = profile + "/dom.html";
  std::filesystem::remove(screenshot);

  std::vector<std::string> common = {kChromium,
                                     "--headless",
                                     "--no-sandbox",
                                     "--disable-gpu",
                                     "--disable-quic",
                                     "--no-first-run",
                                     "--disable-background-networking",
                                     "--disable-component-update",
                                     "--disable-sync",
                                     "--hide-scrollbars",
                                     "--user-data-dir=" + profile,
                                     "--window-size=1200,900",
                                     "--virtual-time-budget=3000"};
  std::vector<std::string> dump = common;
  dump.push_back("--dump-dom");
  dump.push_back((*dashboard)->url());
  ASSERT_EQ(RunWithTimeout(dump, dom_file, std::chrono::seconds(25)), 0) << "chromium --dump-dom";
  std::ifstream in(dom_file);
  const std::string dom((std::istreambuf_iterator<char>(in)), {});
  EXPECT_THAT(dom, HasSubstr("<b id=\"current-round\">24</b>"));
  EXPECT_THAT(dom, HasSubstr("data-rounds=\"24\""));
  for (const char* chart : {"chart-loss", "chart-accuracy", "chart-sites", "chart-bytes"}) {
    EXPECT_THAT(dom, HasSubstr(std::string("id=\"") + chart + "\" data-points=\"24\"")) << chart;
  }
  EXPECT_THAT(dom, HasSubstr("secagg \u00b7 encrypted aggregation"));
  EXPECT_THAT(dom, HasSubstr("\u03b5 = 1.715"));  // 0.35 * sqrt(24)

  std::vector<std::string> shot = common;
  shot.push_back("--screenshot=" + screenshot);
  shot.push_back((*dashboard)->url());
  ASSERT_EQ(RunWithTimeout(shot, profile + "/shot.log", std::chrono::seconds(25)), 0)
      << "chromium --screenshot";
  EXPECT_TRUE(std::filesystem::exists(screenshot));
  EXPECT_GT(std::filesystem::file_size(screenshot), 20'000u) << "suspiciously small screenshot";
  std::filesystem::remove_all(profile);
}

}  // namespace
}  // namespace fedcloak::web
