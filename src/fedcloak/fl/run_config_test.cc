// Run configuration: defaults, a full config, and one test per kind of mistake, each
// checking that the message names the key, the file and the line.
#include "fedcloak/fl/run_config.h"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "fedcloak/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::fl {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// A config as ordered sections of lines, so tests can add or drop single keys.
using Sections = std::vector<std::pair<std::string, std::vector<std::string>>>;

Sections Minimal() {
  return {{"run", {"rounds = 3", "mode = \"plain\""}},
          {"data", {"dataset = \"heart\"", "num_sites = 4"}},
          {"model", {"kind = \"mlp\""}}};
}

std::string Render(const Sections& sections) {
  std::string text;
  for (const auto& [name, lines] : sections) {
    text += fmt::format("[{}]\n", name);
    for (const auto& line : lines) text += line + "\n";
    text += "\n";
  }
  return text;
}

// Adds `line` to section `name` (created at the end if absent).
Sections With(Sections s, const std::string& name, const std::string& line) {
  for (auto& [n, lines] : s) {
    if (n == name) {
      lines.push_back(line);
      return s;
    }
  }
  s.push_back({name, {line}});
  return s;
}

// Removes the line of section `name` that starts with `prefix`.
Sections Without(Sections s, const std::string& name, const std::string& prefix) {
  for (auto& [n, lines] : s) {
    if (n != name) continue;
    std::erase_if(lines, [&](const std::string& l) { return l.rfind(prefix, 0) == 0; });
  }
  return s;
}

// 1-based line of the first line of `text` containing `needle`.
int LineOf(const std::string& text, const std::string& needle) {
  const size_t at = text.find(needle);
  EXPECT_NE(at, std::string::npos) << needle;
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}

absl::StatusOr<RunConfig> Parse(const Sections& s) {
  return ParseRunConfig(Render(s), "test.toml");
}

// The error for `s` names "test.toml:<line of needle>:<col>: <key>: ..." and `what`.
void ExpectError(const Sections& s, const std::string& needle, const std::string& key,
                 const std::string& what) {
  const std::string text = Render(s);
  auto result = ParseRunConfig(text, "test.toml");
  const std::string where = fmt::format("test.toml:{}:", LineOf(text, needle));
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument,
                               AllOf(HasSubstr(where), HasSubstr(key + ": "), HasSubstr(what))))
      << text;
}

TEST(FlRunConfigTest, MinimalConfigGetsDocumentedDefaults) {
  auto c = Parse(Minimal());
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->source, "test.toml");
  EXPECT_EQ(c->run.name, "test");  // the file's stem
  EXPECT_EQ(c->run.seed, 0u);
  EXPECT_EQ(c->run.rounds, 3u);
  EXPECT_EQ(c->run.mode, RunMode::kPlain);
  EXPECT_EQ(c->data.path, "/usr/share/doc/liblinear-tools/examples/heart_scale");
  EXPECT_EQ(c->data.partition, PartitionKind::kIid);
  EXPECT_EQ(c->data.test_fraction, 0.2);
  EXPECT_TRUE(c->data.standardize);  // tabular data
  EXPECT_THAT(c->model.hidden, ElementsAre(64u));
  EXPECT_EQ(c->train.optimizer, OptimizerKind::kSgd);
  EXPECT_EQ(c->train.lr, 0.01);
  EXPECT_EQ(c->train.epochs, 1u);
  EXPECT_EQ(c->train.batch_size, 32u);
  EXPECT_EQ(c->strategy, StrategyConfig::Defaults(StrategyKind::kFedAvg));
  EXPECT_EQ(c->selection.fraction, 1.0);
  EXPECT_EQ(c->selection.min_sites, 1u);
  EXPECT_EQ(c->secure.scale_bits, 16u);
  EXPECT_EQ(c->secure.max_sites, 4u);
  EXPECT_FALSE(c->dp.enabled);
  EXPECT_FALSE(c->dp.epsilon_budget.has_value());
  EXPECT_TRUE(c->simulation.central_eval);
  EXPECT_EQ(c->output.dir, "runs/test");
  EXPECT_EQ(c->store.path, "runs/test/store.sqlite");
  EXPECT_EQ(c->network.coordinator_address, "127.0.0.1:50051");
  EXPECT_EQ(c->dashboard.bind, "127.0.0.1");
  EXPECT_EQ(c->dashboard.port, 8080);
}

TEST(FlRunConfigTest, DefaultsFollowOtherKeys) {
  Sections s =
      With(With(Minimal(), "train", "optimizer = \"adam\""), "strategy", "name = \"fedyogi\"");
  s = With(s, "data", "partition = \"shards\"");
  auto c = Parse(s);
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->train.lr, 0.001);
  EXPECT_EQ(c->strategy, StrategyConfig::Defaults(StrategyKind::kFedYogi));
  EXPECT_EQ(c->data.shards_per_site, 2u);
}

TEST(FlRunConfigTest, FullConfigReadsEveryKey) {
  const std::string text = R"(
[run]
name = "full-run"
seed = 12345678901
rounds = 40
mode = "secagg"
[data]
dataset = "csv"
path = "data/x.csv"
label_column = "target"
partition = "dirichlet"
alpha = 0.3
num_sites = 20
test_fraction = 0.25
standardize = false
[model]
kind = "mlp"
hidden = [128, 32]
[train]
optimizer = "sgd"
lr = 1
momentum = 0.5
epochs = 3
batch_size = 128
threads = 2
[strategy]
name = "fedadam"
server_lr = 0.05
beta1 = 0.8
beta2 = 0.999
tau = 0.001
[selection]
fraction = 0.5
min_sites = 8
[secure]
threshold = 6
clip = 0.5
scale_bits = 18
he_params = "n8192"
neighbours = 10
max_sites = 30
[dp]
enabled = true
clip_norm = 1.5
noise_multiplier = 0.8
delta = 1e-6
epsilon_budget = 8.0
mechanism = "distributed-dgauss"
[simulation]
workers = 3
dropout = 0.1
central_eval = false
[output]
dir = "out/full"
[network]
coordinator_address = "coord.example:7000"
stage_timeout_s = 120
heartbeat_s = 2.5
max_message_mb = 64
certs_dir = "/etc/fedcloak"
[store]
path = "/var/lib/fedcloak/runs.sqlite"
[dashboard]
enabled = true
bind = "0.0.0.0"
port = 9090
)";
  auto c = ParseRunConfig(text, "full.toml");
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->run.name, "full-run");
  EXPECT_EQ(c->run.seed, 12345678901u);
  EXPECT_EQ(c->run.rounds, 40u);
  EXPECT_EQ(c->run.mode, RunMode::kSecAgg);
  EXPECT_EQ(c->data.dataset, DatasetKind::kCsv);
  EXPECT_EQ(c->data.path, "data/x.csv");
  EXPECT_EQ(c->data.label_column, "target");
  EXPECT_EQ(c->data.partition, PartitionKind::kDirichlet);
  EXPECT_EQ(c->data.alpha, 0.3);
  EXPECT_EQ(c->data.num_sites, 20u);
  EXPECT_EQ(c->data.test_fraction, 0.25);
  EXPECT_FALSE(c->data.standardize);
  EXPECT_THAT(c->model.hidden, ElementsAre(128u, 32u));
  EXPECT_EQ(c->train.lr, 1.0);  // an integer is accepted for a number
  EXPECT_EQ(c->train.momentum, 0.5);
  EXPECT_EQ(c->train.epochs, 3u);
  EXPECT_EQ(c->train.batch_size, 128u);
  EXPECT_EQ(c->train.threads, 2u);
  EXPECT_EQ(c->strategy.kind, StrategyKind::kFedAdam);
  EXPECT_EQ(c->strategy.server_lr, 0.05);
  EXPECT_EQ(c->strategy.beta1, 0.8);
  EXPECT_EQ(c->strategy.beta2, 0.999);
  EXPECT_EQ(c->strategy.tau, 0.001);
  EXPECT_EQ(c->selection.fraction, 0.5);
  EXPECT_EQ(c->selection.min_sites, 8u);
  EXPECT_EQ(c->secure.threshold, 6u);
  EXPECT_EQ(c->secure.clip, 0.5);
  EXPECT_EQ(c->secure.scale_bits, 18u);
  EXPECT_EQ(c->secure.he_params, HeParamSet::kN8192);
  EXPECT_EQ(c->secure.neighbours, 10u);
  EXPECT_EQ(c->secure.max_sites, 30u);
  EXPECT_TRUE(c->dp.enabled);
  EXPECT_EQ(c->dp.clip_norm, 1.5);
  EXPECT_EQ(c->dp.noise_multiplier, 0.8);
  EXPECT_EQ(c->dp.delta, 1e-6);
  EXPECT_EQ(c->dp.epsilon_budget, 8.0);
  EXPECT_EQ(c->dp.mechanism, DpMechanism::kDistributedDGauss);
  EXPECT_EQ(c->simulation.workers, 3u);
  EXPECT_EQ(c->simulation.dropout, 0.1);
  EXPECT_FALSE(c->simulation.central_eval);
  EXPECT_EQ(c->output.dir, "out/full");
  EXPECT_EQ(c->network.coordinator_address, "coord.example:7000");
  EXPECT_EQ(c->network.stage_timeout_s, 120.0);
  EXPECT_EQ(c->network.heartbeat_s, 2.5);
  EXPECT_EQ(c->network.max_message_mb, 64u);
  EXPECT_EQ(c->network.certs_dir, "/etc/fedcloak");
  EXPECT_EQ(c->store.path, "/var/lib/fedcloak/runs.sqlite");
  EXPECT_TRUE(c->dashboard.enabled);
  EXPECT_EQ(c->dashboard.bind, "0.0.0.0");
  EXPECT_EQ(c->dashboard.port, 9090);
}

// ---- unknown keys and sections ---------------------------------------------------------

class FlRunConfigUnknownKeyTest : public ::testing::TestWithParam<std::string> {};

TEST_P(FlRunConfigUnknownKeyTest, NamesKeyFileAndLine) {
  const std::string section = GetParam();
  ExpectError(With(Minimal(), section, "bogus_key = 1"), "bogus_key", section + ".bogus_key",
              fmt::format("unknown key in [{}]", section));
}

INSTANTIATE_TEST_SUITE_P(EverySection, FlRunConfigUnknownKeyTest,
                         ::testing::Values("run", "data", "model", "train", "strategy", "selection",
                                           "secure", "dp", "simulation", "output", "network",
                                           "store", "dashboard"));

TEST(FlRunConfigTest, UnknownKeySuggestsNearestKnownKey) {
  ExpectError(With(Minimal(), "train", "epoch = 2"), "epoch", "train.epoch",
              "did you mean 'epochs'?");
}

TEST(FlRunConfigTest, UnknownSectionAndTopLevelKey) {
  ExpectError(With(Minimal(), "trian", "lr = 0.1"), "[trian]", "[trian]",
              "unknown section (did you mean [train]?)");
  const std::string text = "seed = 3\n" + Render(Minimal());
  EXPECT_THAT(ParseRunConfig(text, "test.toml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("test.toml:1:1: seed: keys must be inside a section")));
}

// ---- wrong types -----------------------------------------------------------------------

struct KeyCase {
  std::string section;
  std::string line;  // the offending line, also the needle for its line number
  std::string key;
  std::string what;
};

class FlRunConfigBadValueTest : public ::testing::TestWithParam<KeyCase> {};

TEST_P(FlRunConfigBadValueTest, NamesKeyFileAndLine) {
  const KeyCase& k = GetParam();
  const std::string name = k.line.substr(0, k.line.find(' '));
  ExpectError(With(Without(Minimal(), k.section, name + " "), k.section, k.line), k.line, k.key,
              k.what);
}

INSTANTIATE_TEST_SUITE_P(
    WrongType, FlRunConfigBadValueTest,
    ::testing::Values(
        KeyCase{"run", "rounds = \"ten\"", "run.rounds", "expected an integer, got a string"},
        KeyCase{"train", "epochs = 1.5", "train.epochs",
                "expected an integer, got a floating-point number"},
        KeyCase{"train", "lr = \"0.1\"", "train.lr", "expected a number, got a string"},
        KeyCase{"data", "standardize = 1", "data.standardize", "expected a boolean"},
        KeyCase{"run", "mode = 2", "run.mode", "expected a string, got an integer"},
        KeyCase{"model", "hidden = 64", "model.hidden", "expected an array of integers"},
        KeyCase{"model", "hidden = [32, \"x\"]", "model.hidden[1]",
                "expected an integer, got a string"},
        KeyCase{"network", "sites = \"a,b\"", "network.sites", "expected an array of strings"},
        KeyCase{"output", "dir = [\"a\"]", "output.dir", "expected a string, got an array"},
        KeyCase{"dashboard", "port = \"80\"", "dashboard.port", "expected an integer"}));

INSTANTIATE_TEST_SUITE_P(
    OutOfRange, FlRunConfigBadValueTest,
    ::testing::Values(
        KeyCase{"run", "rounds = 0", "run.rounds", "0 is out of range: must be in [1, 100000]"},
        KeyCase{"run", "seed = -1", "run.seed", "-1 is out of range"},
        KeyCase{"train", "lr = -0.1", "train.lr", "-0.1 is out of range: must be > 0"},
        KeyCase{"train", "lr = nan", "train.lr", "nan is out of range"},
        KeyCase{"train", "momentum = 1.0", "train.momentum", "must be in [0, 1)"},
        KeyCase{"data", "test_fraction = 1.0", "data.test_fraction", "must be in [0, 1)"},
        KeyCase{"data", "num_sites = 0", "data.num_sites", "must be in [1, 100000]"},
        KeyCase{"selection", "fraction = 1.5", "selection.fraction", "must be in (0, 1]"},
        KeyCase{"simulation", "dropout = 1", "simulation.dropout", "must be in [0, 1)"},
        KeyCase{"secure", "scale_bits = 31", "secure.scale_bits", "must be in [1, 30]"},
        KeyCase{"dp", "delta = 0", "dp.delta", "must be in (0, 1)"},
        KeyCase{"dashboard", "port = 70000", "dashboard.port", "must be in [1, 65535]"},
        KeyCase{"model", "hidden = [16, 0]", "model.hidden[1]", "0 is out of range"}));

INSTANTIATE_TEST_SUITE_P(
    BadEnumValue, FlRunConfigBadValueTest,
    ::testing::Values(
        KeyCase{"run", "mode = \"Plain\"", "run.mode",
                "\"Plain\" is not one of \"plain\", \"secagg\", \"he\" (did you mean \"plain\"?)"},
        KeyCase{"data", "dataset = \"mnist\"", "data.dataset", "is not one of \"fashion-mnist\""},
        KeyCase{"data", "partition = \"noniid\"", "data.partition", "\"noniid\" is not one of"},
        KeyCase{"model", "kind = \"resnet\"", "model.kind", "\"resnet\" is not one of"},
        KeyCase{"train", "optimizer = \"adamw\"", "train.optimizer", "(did you mean \"adam\"?)"},
        KeyCase{"strategy", "name = \"fedopt\"", "strategy.name", "\"fedopt\" is not one of"},
        KeyCase{"secure", "he_params = \"n2048\"", "secure.he_params", "\"n4096\", \"n8192\""},
        KeyCase{"dp", "mechanism = \"laplace\"", "dp.mechanism", "\"laplace\" is not one of"}));

// ---- missing required keys -------------------------------------------------------------

TEST(FlRunConfigTest, MissingRequiredKeysNameKeyAndSectionLine) {
  ExpectError(Without(Minimal(), "run", "rounds"), "[run]", "run.rounds",
              "required key is missing from section [run]");
  ExpectError(Without(Minimal(), "run", "mode"), "[run]", "run.mode", "required key is missing");
  ExpectError(Without(Minimal(), "data", "dataset"), "[data]", "data.dataset",
              "required key is missing");
  ExpectError(Without(Minimal(), "model", "kind"), "[model]", "model.kind",
              "required key is missing");
  ExpectError(Without(Minimal(), "data", "num_sites"), "[data]", "data.num_sites",
              "required key is missing");
  // A missing section: no line to point at, the file is still named.
  Sections no_model = Minimal();
  no_model.pop_back();
  EXPECT_THAT(Parse(no_model),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("test.toml: model.kind: required key is missing (add a [model] "
                                 "section")));
}

// ---- TOML syntax -----------------------------------------------------------------------

TEST(FlRunConfigTest, SyntaxErrorsNameFileAndLine) {
  EXPECT_THAT(ParseRunConfig("[run]\nrounds = = 3\n", "bad.toml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad.toml:2:")));
  EXPECT_THAT(ParseRunConfig("[run]\nrounds = 3\nrounds = 4\n", "bad.toml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("bad.toml:3:"), HasSubstr("TOML syntax error"))));
  EXPECT_THAT(ParseRunConfig("[run]\nname = \"unterminated\n", "bad.toml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad.toml:2:")));
  EXPECT_THAT(ParseRunConfig("[run\n", "bad.toml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad.toml:1:")));
}

TEST(FlRunConfigTest, AllErrorsReportedInLineOrder) {
  Sections s = With(With(Minimal(), "train", "lr = -1"), "train", "epochz = 1");
  s = With(s, "run", "seed = \"x\"");
  auto c = Parse(s);
  ASSERT_FALSE(c.ok());
  const std::string m(c.status().message());
  const size_t seed = m.find("run.seed"), lr = m.find("train.lr"), epochz = m.find("train.epochz");
  ASSERT_NE(seed, std::string::npos);
  ASSERT_NE(lr, std::string::npos);
  ASSERT_NE(epochz, std::string::npos);
  EXPECT_LT(seed, lr);
  EXPECT_LT(lr, epochz);
}

// ---- files -----------------------------------------------------------------------------

TEST(FlRunConfigTest, LoadNamesThePathAndRefusesMissingOrHugeFiles) {
  EXPECT_THAT(LoadRunConfig("/nonexistent/dir/run.toml"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nonexistent/dir/run.toml")));
  const std::string path = ::testing::TempDir() + "fl_run_config_test.toml";
  {
    std::ofstream out(path);
    out << Render(With(Minimal(), "train", "lr = 0"));
  }
  EXPECT_THAT(
      LoadRunConfig(path),
      StatusIs(
          absl::StatusCode::kInvalidArgument,
          HasSubstr(path + ":" +
                    std::to_string(LineOf(Render(With(Minimal(), "train", "lr = 0")), "lr = 0")))));
  {
    std::ofstream out(path);
    out << Render(Minimal());
  }
  auto c = LoadRunConfig(path);
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->run.name, "fl_run_config_test");
  {
    std::ofstream out(path);
    out << std::string((1 << 20) + 1, '#');
  }
  EXPECT_THAT(LoadRunConfig(path),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("more than the 1048576")));
  std::remove(path.c_str());
}

}  // namespace
}  // namespace fedcloak::fl
