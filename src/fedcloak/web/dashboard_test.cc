#include "fedcloak/web/dashboard.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "fedcloak/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::web {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class WebDashboardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_.SetRunInfo({"fmnist", "plain", "fedavg", {}, 3, 2});
    state_.SetSitesOnline(2);
    for (uint64_t n = 1; n <= 3; ++n) {
      fl::RoundRecord r;
      r.round = n;
      r.selected = r.survivors = {"site-1", "site-2"};
      r.train_loss = 1.0 / static_cast<double>(n);
      r.bytes_to_sites = 100;
      state_.RoundStarted(n, 2);
      state_.RoundFinished(r, std::nullopt);
    }
    auto d = Dashboard::Start({.bind = "127.0.0.1", .port = 0}, &state_);
    ASSERT_THAT(d, IsOk());
    dashboard_ = std::move(*d);
    ASSERT_GT(dashboard_->port(), 0);
  }

  httplib::Result Get(const std::string& path) {
    httplib::Client client("127.0.0.1", dashboard_->port());
    client.set_connection_timeout(5, 0);
    client.set_read_timeout(5, 0);
    return client.Get(path);
  }

  DashboardState state_;
  std::unique_ptr<Dashboard> dashboard_;
};

TEST_F(WebDashboardTest, ServesPageJsonAndMetrics) {
  EXPECT_EQ(dashboard_->url(), "http://127.0.0.1:" + std::to_string(dashboard_->port()) + "/");
  auto page = Get("/");
  ASSERT_TRUE(page) << httplib::to_string(page.error());
  EXPECT_EQ(page->status, 200);
  EXPECT_THAT(page->get_header_value("Content-Type"), StartsWith("text/html"));
  EXPECT_THAT(page->get_header_value("Content-Security-Policy"), HasSubstr("default-src 'none'"));
  EXPECT_THAT(page->body, HasSubstr("<canvas id=\"chart-loss\""));
  EXPECT_THAT(page->body, ::testing::Not(HasSubstr("http://")));  // nothing external
  EXPECT_THAT(page->body, ::testing::Not(HasSubstr("https://")));

  auto run = Get("/api/run");
  ASSERT_TRUE(run);
  EXPECT_EQ(run->get_header_value("Content-Type"), "application/json");
  const auto j = nlohmann::json::parse(run->body);
  EXPECT_EQ(j["name"], "fmnist");
  EXPECT_EQ(j["private"], false);
  EXPECT_EQ(j["current_round"], 3);

  auto rounds = Get("/api/rounds?after=1");
  ASSERT_TRUE(rounds);
  const auto r = nlohmann::json::parse(rounds->body);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0]["round"], 2);
  EXPECT_EQ(r[1]["train_loss"], 1.0 / 3);

  auto metrics = Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_THAT(metrics->get_header_value("Content-Type"), StartsWith("text/plain; version=0.0.4"));
  EXPECT_THAT(metrics->body, HasSubstr("\nfedcloak_round 3\n"));
  EXPECT_THAT(metrics->body, HasSubstr("\nfedcloak_sites_online 2\n"));
  EXPECT_THAT(metrics->body, HasSubstr("\nfedcloak_bytes_total{direction=\"to_sites\"} 300\n"));
  EXPECT_THAT(metrics->body, HasSubstr("\nfedcloak_dropouts_total 0\n"));
}

TEST_F(WebDashboardTest, BadQueriesAndUnknownPaths) {
  auto bad = Get("/api/rounds?after=12x");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_THAT(bad->body, HasSubstr("after must be a round number, got '12x'"));
  auto missing = Get("/nothing-here");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST_F(WebDashboardTest, PortInUseIsUnavailableAndStopIsIdempotent) {
  EXPECT_THAT(Dashboard::Start({.bind = "127.0.0.1", .port = dashboard_->port()}, &state_),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("127.0.0.1:" + std::to_string(dashboard_->port()))));
  EXPECT_THAT(Dashboard::Start({.bind = "", .port = 0}, &state_),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Dashboard::Start({.bind = "127.0.0.1", .port = 0, .threads = 0}, &state_),
              StatusIs(absl::StatusCode::kInvalidArgument));
  const uint16_t port = dashboard_->port();
  dashboard_->Stop();
  dashboard_->Stop();
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(1, 0);
  EXPECT_FALSE(client.Get("/api/run"));
}

}  // namespace
}  // namespace fedcloak::web
