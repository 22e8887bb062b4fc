#include "fedcloak/web/dashboard_state.h"

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "fedcloak/web/dashboard_observer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::web {
namespace {

using ::testing::HasSubstr;

fl::RoundRecord Round(uint64_t n, bool ok = true) {
  fl::RoundRecord r;
  r.round = n;
  r.selected = {"a", "b", "c", "d"};
  r.survivors = {"a", "b", "c"};
  r.dropouts = {"d"};
  r.seconds = 1.5;
  r.bytes_to_sites = 1000;
  r.bytes_from_sites = 3000;
  r.train_loss = 0.5;
  if (ok) {
    fl::LocalMetrics m;
    m.loss = 0.25;
    m.accuracy = 0.75 + 0.01 * static_cast<double>(n);
    r.evaluation = m;
  } else {
    r.status = absl::FailedPreconditionError("only 1 of 4 sites survived");
  }
  return r;
}

// Parses the exposition format strictly enough to catch mistakes: every sample belongs
// to a family announced by HELP and TYPE lines before it; names and labels are valid;
// values parse as numbers. Returns sample -> value.
std::map<std::string, double> ParseProm(const std::string& text) {
  const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+)");
  const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (gauge|counter))");
  const std::regex sample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*\})? (\S+))");
  std::map<std::string, double> out;
  std::string helped, typed;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, help)) {
      helped = m[1];
    } else if (std::regex_match(line, m, type)) {
      EXPECT_EQ(m[1], helped) << line;
      typed = m[1];
    } else if (std::regex_match(line, m, sample)) {
      EXPECT_EQ(m[1], typed) << "sample without HELP/TYPE: " << line;
      size_t used = 0;
      const double v = std::stod(m[3].str(), &used);
      EXPECT_EQ(used, m[3].length()) << line;
      out[m[1].str() + m[2].str()] = v;
    } else {
      ADD_FAILURE() << "not exposition format: '" << line << "'";
    }
  }
  EXPECT_TRUE(text.empty() || text.back() == '\n');
  return out;
}

TEST(WebDashboardStateTest, PrometheusTextCarriesTheCounters) {
  DashboardState s;
  s.SetRunInfo({"fm\"nist", "secagg", "fedavg", {{"threshold", "3"}}, 10, 4});
  s.SetSitesOnline(4);
  DashboardObserver observer(&s);
  observer.OnRoundStart(1, {"a", "b", "c", "d"});
  observer.OnRoundEnd(Round(1), {});
  observer.OnRoundStart(2, {"a", "b", "c", "d"});
  observer.OnRoundEnd(Round(2, /*ok=*/false), {});
  observer.OnRoundStart(3, {"a", "b", "c", "d"});
  const auto m = ParseProm(s.PrometheusText());
  EXPECT_EQ(m.at("fedcloak_round"), 3);
  EXPECT_EQ(m.at("fedcloak_round_in_progress"), 1);
  EXPECT_EQ(m.at("fedcloak_round_seconds"), 1.5);
  EXPECT_EQ(m.at("fedcloak_sites_online"), 4);
  EXPECT_EQ(m.at("fedcloak_dropouts_total"), 2);
  EXPECT_EQ(m.at("fedcloak_rounds_failed_total"), 1);
  EXPECT_EQ(m.at("fedcloak_bytes_total{direction=\"to_sites\"}"), 2000);
  EXPECT_EQ(m.at("fedcloak_bytes_total{direction=\"from_sites\"}"), 6000);
  EXPECT_DOUBLE_EQ(m.at("fedcloak_accuracy{evaluation=\"federated\"}"), 0.76);  // round 1's
  EXPECT_DOUBLE_EQ(m.at("fedcloak_loss{evaluation=\"federated\"}"), 0.25);
  EXPECT_EQ(m.count("fedcloak_epsilon"), 0u);
  EXPECT_EQ(m.at("fedcloak_run_info{name=\"fm\\\"nist\",mode=\"secagg\",strategy=\"fedavg\"}"), 1);

  s.SetPrivacy(2.5, 1e-5);
  const auto with_dp = ParseProm(s.PrometheusText());
  EXPECT_EQ(with_dp.at("fedcloak_epsilon"), 2.5);
  EXPECT_EQ(with_dp.at("fedcloak_delta"), 1e-5);
  fl::RoundRecord third = Round(3);
  third.epsilon = 2.75;  // the engine's accountant after round 3
  observer.OnRoundEnd(third, {});
  const auto after = ParseProm(s.PrometheusText());
  EXPECT_EQ(after.at("fedcloak_epsilon"), 2.75);
  EXPECT_EQ(after.at("fedcloak_delta"), 1e-5);
  EXPECT_EQ(after.at("fedcloak_round_in_progress"), 0);
}

TEST(WebDashboardStateTest, JsonDescribesRunAndRounds) {
  DashboardState s;
  s.SetRunInfo({"heart", "he", "fedadam", {{"threshold", "3"}, {"clip", "1"}}, 5, 4});
  DashboardObserver observer(&s, [](const fl::RoundRecord&, std::span<const float>) {
    fl::LocalMetrics c;
    c.loss = 0.1;
    c.accuracy = 0.9;
    return std::optional<fl::LocalMetrics>(c);
  });
  for (uint64_t r = 1; r <= 3; ++r) {
    observer.OnRoundStart(r, {"a"});
    observer.OnRoundEnd(Round(r, r != 2), {});
  }
  const auto run = nlohmann::json::parse(s.RunJson());
  EXPECT_EQ(run["name"], "heart");
  EXPECT_EQ(run["mode"], "he");
  EXPECT_EQ(run["private"], true);
  EXPECT_EQ(run["current_round"], 3);
  EXPECT_EQ(run["round_in_progress"], false);
  EXPECT_EQ(run["rounds_failed"], 1);
  EXPECT_EQ(run["sites_online"], nullptr);
  EXPECT_EQ(run["epsilon"], nullptr);
  EXPECT_EQ(run["parameters"][1][0], "clip");
  EXPECT_EQ(run["bytes_from_sites_total"], 9000);

  const auto rounds = nlohmann::json::parse(s.RoundsJson());
  ASSERT_EQ(rounds.size(), 3u);
  EXPECT_EQ(rounds[1]["ok"], false);
  EXPECT_THAT(rounds[1]["error"].get<std::string>(), HasSubstr("only 1 of 4"));
  EXPECT_EQ(rounds[1]["accuracy"], nullptr);
  EXPECT_EQ(rounds[1]["train_loss"], nullptr);
  EXPECT_EQ(rounds[2]["central_accuracy"], 0.9);
  EXPECT_EQ(rounds[2]["survivors"], 3);
  const auto later = nlohmann::json::parse(s.RoundsJson(2));
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0]["round"], 3);
}

}  // namespace
}  // namespace fedcloak::web
