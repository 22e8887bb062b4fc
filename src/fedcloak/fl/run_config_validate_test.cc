// Cross-field checks of the run configuration, and the shipped example configs.
#include <fmt/format.h>

#include <string>

#include "fedcloak/base/status_matchers.h"
#include "fedcloak/fl/run_config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::fl {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr std::string_view kBase = R"([run]
rounds = 3
mode = "{mode}"

[data]
dataset = "{dataset}"
num_sites = 5
{data}

[model]
kind = "{model}"
{model_extra}

[train]
{train}

[strategy]
{strategy}

[selection]
{selection}

[secure]
{secure}

[dp]
{dp}

[simulation]
{simulation}

[network]
{network}
)";

// A config from kBase with the named fields replaced.
struct Parts {
  std::string mode = "plain", dataset = "heart", data, model = "mlp", model_extra, train, strategy,
              selection, secure, dp, simulation, network;
};

Parts P(std::initializer_list<std::pair<std::string Parts::*, std::string>> fields) {
  Parts p;
  for (const auto& [member, value] : fields) p.*member = value;
  return p;
}

std::string Render(const Parts& p) {
  return fmt::format(fmt::runtime(kBase), fmt::arg("mode", p.mode), fmt::arg("dataset", p.dataset),
                     fmt::arg("data", p.data), fmt::arg("model", p.model),
                     fmt::arg("model_extra", p.model_extra), fmt::arg("train", p.train),
                     fmt::arg("strategy", p.strategy), fmt::arg("selection", p.selection),
                     fmt::arg("secure", p.secure), fmt::arg("dp", p.dp),
                     fmt::arg("simulation", p.simulation), fmt::arg("network", p.network));
}

int LineOf(const std::string& text, const std::string& needle) {
  const size_t at = text.find(needle);
  EXPECT_NE(at, std::string::npos) << needle;
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}

// Expects an error for `key` at the line of `needle` mentioning `what`.
void ExpectConflict(const Parts& p, const std::string& needle, const std::string& key,
                    const std::string& what) {
  const std::string text = Render(p);
  EXPECT_THAT(ParseRunConfig(text, "x.toml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(fmt::format("x.toml:{}:", LineOf(text, needle))),
                             HasSubstr(key + ": "), HasSubstr(what))))
      << text;
}

TEST(FlRunConfigValidateTest, BaseIsValid) {
  ASSERT_THAT(ParseRunConfig(Render(Parts{}), "x.toml"), IsOk());
}

TEST(FlRunConfigValidateTest, DataConflicts) {
  ExpectConflict(P({{&Parts::data, "partition = \"dirichlet\""}}), "partition", "data.alpha",
                 "required when data.partition = \"dirichlet\"");
  ExpectConflict(P({{&Parts::data, "alpha = 0.5"}}), "alpha", "data.alpha",
                 "only used with data.partition = \"dirichlet\", not \"iid\"");
  ExpectConflict(P({{&Parts::data, "shards_per_site = 3"}}), "shards_per_site",
                 "data.shards_per_site", "only used with data.partition = \"shards\"");
  ExpectConflict(P({{&Parts::dataset, "csv"}}), "dataset = \"csv\"", "data.path",
                 "required when data.dataset = \"csv\"");
  ExpectConflict(P({{&Parts::dataset, "csv"}, {&Parts::data, "path = \"a.csv\""}}),
                 "dataset = \"csv\"", "data.label_column", "required when data.dataset = \"csv\"");
  ExpectConflict(P({{&Parts::data, "label_column = \"y\""}}), "label_column", "data.label_column",
                 "only used with data.dataset = \"csv\"");
  ExpectConflict(
      P({{&Parts::data, "test_fraction = 0"}, {&Parts::simulation, "central_eval = false"}}),
      "test_fraction", "data.test_fraction", "would evaluate nothing");
}

TEST(FlRunConfigValidateTest, ModelTrainAndStrategyConflicts) {
  ExpectConflict(P({{&Parts::model, "cnn"}}), "kind = \"cnn\"", "model.kind",
                 "\"cnn\" needs image data (data.dataset = \"fashion-mnist\"), but data.dataset "
                 "= \"heart\" (line 6)");
  ExpectConflict(P({{&Parts::model, "torchscript"}}), "torchscript", "model.path",
                 "required when model.kind = \"torchscript\"");
  ExpectConflict(P({{&Parts::dataset, "fashion-mnist"},
                    {&Parts::model, "cnn"},
                    {&Parts::model_extra, "hidden = [10]"}}),
                 "hidden", "model.hidden", "only used with model.kind = \"mlp\"");
  ExpectConflict(P({{&Parts::train, "optimizer = \"adam\"\nmomentum = 0.9"}}), "momentum",
                 "train.momentum", "only used with train.optimizer = \"sgd\"");
  ExpectConflict(P({{&Parts::strategy, "name = \"fedavg\"\nmu = 0.1"}}), "mu = ", "strategy.mu",
                 "not used by strategy \"fedavg\" (only by fedprox)");
  ExpectConflict(P({{&Parts::strategy, "name = \"fedadagrad\"\nbeta2 = 0.9"}}), "beta2",
                 "strategy.beta2", "only by fedadam, fedyogi");
  ExpectConflict(P({{&Parts::strategy, "name = \"fedadam\"\nbeta1 = 1.0"}}), "beta1",
                 "strategy.beta1", "must be in [0, 1)");
}

TEST(FlRunConfigValidateTest, SecureModeConflicts) {
  ExpectConflict(P({{&Parts::mode, "he"}}), "mode = \"he\"", "secure.threshold",
                 "required when run.mode = \"he\"");
  ExpectConflict(P({{&Parts::mode, "he"}, {&Parts::secure, "threshold = 1"}}), "threshold",
                 "secure.threshold", "1 lets a single site");
  ExpectConflict(P({{&Parts::mode, "he"},
                    {&Parts::selection, "min_sites = 2"},
                    {&Parts::secure, "threshold = 3"}}),
                 "threshold", "secure.threshold",
                 "3 exceeds selection.min_sites = 2 (line 21): a round could end with fewer "
                 "survivors than needed to decrypt");
  ExpectConflict(P({{&Parts::selection, "min_sites = 6"}}), "min_sites", "selection.min_sites",
                 "6 exceeds data.num_sites = 5 (line 7)");
  ExpectConflict(P({{&Parts::mode, "secagg"}, {&Parts::secure, "neighbours = 5"}}), "neighbours",
                 "secure.neighbours", "5 must be below data.num_sites = 5");
  ExpectConflict(P({{&Parts::mode, "secagg"}, {&Parts::secure, "threshold = 4\nneighbours = 3"}}),
                 "threshold", "secure.threshold", "exceeds secure.neighbours = 3");
  ExpectConflict(P({{&Parts::mode, "secagg"}, {&Parts::secure, "max_sites = 4"}}), "max_sites",
                 "secure.max_sites", "4 is below data.num_sites = 5");
  ExpectConflict(P({{&Parts::mode, "secagg"}, {&Parts::secure, "scale_bits = 30\nclip = 2.0"}}),
                 "scale_bits", "secure.scale_bits", "5 * 2 * 2^30 = 1.074e+10 must be below 2^31");
}

TEST(FlRunConfigValidateTest, DpConflicts) {
  ExpectConflict(
      P({{&Parts::mode, "secagg"}, {&Parts::dp, "enabled = true\nnoise_multiplier = 1.0"}}),
      "enabled", "dp.clip_norm", "required when dp.enabled = true");
  ExpectConflict(P({{&Parts::dp, "enabled = true\nclip_norm = 1.0\nnoise_multiplier = 1.0"}}),
                 "[dp]", "dp.mechanism",
                 "\"distributed-dgauss\" needs run.mode = \"secagg\" or \"he\"");
  const std::string ok = Render(P({{&Parts::dp,
                                    "enabled = true\nclip_norm = 1.0\nnoise_multiplier = "
                                    "1.0\nmechanism = \"dp-sgd\""}}));
  EXPECT_THAT(ParseRunConfig(ok, "x.toml"), IsOk());
}

TEST(FlRunConfigValidateTest, NetworkConflicts) {
  ExpectConflict(P({{&Parts::network, "sites = [\"a\", \"b\"]"}}), "sites", "data.num_sites",
                 "5 differs from the 2 sites listed in network.sites (line 33)");
  ExpectConflict(P({{&Parts::network, "sites = [\"a\", \"b\", \"c\", \"d\", \"a\"]"}}), "sites = [",
                 "network.sites", "\"a\" is listed twice");
  ExpectConflict(P({{&Parts::network, "sites = [\"a\", \"b c\", \"d\", \"e\", \"f\"]"}}),
                 "sites = [", "network.sites", "\"b c\" is not a valid site name");
  ExpectConflict(P({{&Parts::network, "coordinator_address = \"localhost\""}}),
                 "coordinator_address", "network.coordinator_address", "is not host:port");
  ExpectConflict(P({{&Parts::network, "heartbeat_s = 30\nstage_timeout_s = 10"}}), "heartbeat_s",
                 "network.heartbeat_s", "must be shorter than network.stage_timeout_s = 10 s");
}

TEST(FlRunConfigValidateTest, NumSitesDefaultsToTheListedSites) {
  std::string text = Render(P({{&Parts::network, "sites = [\"a\", \"b\", \"c\"]"}}));
  text.replace(text.find("num_sites = 5\n"), 14, "");
  auto c = ParseRunConfig(text, "x.toml");
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->data.num_sites, 3u);
}

TEST(FlRunConfigValidateTest, ValidateAfterModeOverrideNamesTheSource) {
  auto c = ParseRunConfig(Render(Parts{}), "x.toml");
  ASSERT_THAT(c, IsOk());
  RunConfig he = *c;
  he.run.mode = RunMode::kHe;
  EXPECT_THAT(ValidateRunConfig(he),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("x.toml: secure.threshold: required when run.mode = \"he\"")));
  he.secure.threshold = 3;
  he.selection.min_sites = 3;
  EXPECT_THAT(ValidateRunConfig(he), IsOk());
}

// ---- the shipped examples (ctest runs in the source root) -----------------------------

TEST(FlRunConfigExamplesTest, FashionMnistIid) {
  auto c = LoadRunConfig("examples/fashion-mnist-iid.toml");
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->data.dataset, DatasetKind::kFashionMnist);
  EXPECT_EQ(c->data.partition, PartitionKind::kIid);
  EXPECT_EQ(c->data.num_sites, 10u);
  EXPECT_EQ(c->model.kind, ModelKind::kCnnSmall);
  EXPECT_EQ(c->run.rounds, 50u);
  // The same file must also be valid in the private modes (simulate --mode).
  for (RunMode mode : {RunMode::kSecAgg, RunMode::kHe}) {
    RunConfig m = *c;
    m.run.mode = mode;
    EXPECT_THAT(ValidateRunConfig(m), IsOk()) << RunModeName(mode);
  }
}

TEST(FlRunConfigExamplesTest, FashionMnistDirichlet) {
  auto c = LoadRunConfig("examples/fashion-mnist-dirichlet.toml");
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->data.partition, PartitionKind::kDirichlet);
  EXPECT_EQ(c->data.alpha, 0.5);
  EXPECT_EQ(c->run.name, "fashion-mnist-dirichlet");
}

TEST(FlRunConfigExamplesTest, Heart) {
  auto c = LoadRunConfig("examples/heart.toml");
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->data.dataset, DatasetKind::kHeart);
  EXPECT_EQ(c->data.num_sites, 4u);
  EXPECT_EQ(c->run.mode, RunMode::kHe);
  EXPECT_EQ(c->secure.threshold, 3u);
  EXPECT_EQ(c->network.sites.size(), 4u);
}

}  // namespace
}  // namespace fedcloak::fl
