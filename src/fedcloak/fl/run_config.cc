// Reading a run configuration: TOML syntax, sections, keys, types and ranges, then the
// defaults that depend on other keys. The cross-field checks are in
// run_config_validate.cc.
#include "fedcloak/fl/run_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "fedcloak/fl/run_config_reader.h"

namespace fedcloak::fl {
namespace {

using internal::ConfigDiagnostics;
using internal::DoubleRange;
using internal::SectionReader;

constexpr std::array<std::pair<RunMode, std::string_view>, 3> kModes = {
    {{RunMode::kPlain, "plain"}, {RunMode::kSecAgg, "secagg"}, {RunMode::kHe, "he"}}};
constexpr std::array<std::pair<DatasetKind, std::string_view>, 4> kDatasets = {
    {{DatasetKind::kFashionMnist, "fashion-mnist"},
     {DatasetKind::kHeart, "heart"},
     {DatasetKind::kCsv, "csv"},
     {DatasetKind::kLibsvm, "libsvm"}}};
constexpr std::array<std::pair<PartitionKind, std::string_view>, 3> kPartitions = {
    {{PartitionKind::kIid, "iid"},
     {PartitionKind::kDirichlet, "dirichlet"},
     {PartitionKind::kShards, "shards"}}};
constexpr std::array<std::pair<ModelKind, std::string_view>, 4> kModels = {
    {{ModelKind::kMlp, "mlp"},
     {ModelKind::kCnn, "cnn"},
     {ModelKind::kCnnSmall, "cnn-small"},
     {ModelKind::kTorchScript, "torchscript"}}};
constexpr std::array<std::pair<OptimizerKind, std::string_view>, 2> kOptimizers = {
    {{OptimizerKind::kSgd, "sgd"}, {OptimizerKind::kAdam, "adam"}}};
constexpr std::array<std::pair<HeParamSet, std::string_view>, 2> kHeParams = {
    {{HeParamSet::kN4096, "n4096"}, {HeParamSet::kN8192, "n8192"}}};
constexpr std::array<std::pair<DpMechanism, std::string_view>, 2> kDpMechanisms = {
    {{DpMechanism::kDistributedDGauss, "distributed-dgauss"}, {DpMechanism::kDpSgd, "dp-sgd"}}};
template <typename E, size_t N>
std::string_view NameOf(const std::array<std::pair<E, std::string_view>, N>& names, E v) {
  for (const auto& [value, name] : names) {
    if (value == v) return name;
  }
  return "unknown";
}

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr DoubleRange kPositive{0.0, true, kInf, false};
constexpr DoubleRange kNonNegative{0.0, false, kInf, false};
constexpr DoubleRange kUnitOpen{0.0, false, 1.0, true};      // [0, 1)
constexpr DoubleRange kUnitBothOpen{0.0, true, 1.0, true};   // (0, 1)
constexpr DoubleRange kUnitHalfOpen{0.0, true, 1.0, false};  // (0, 1]

constexpr std::array<std::string_view, 13> kSections = {
    "run", "data",       "model",  "train",   "strategy", "selection", "secure",
    "dp",  "simulation", "output", "network", "store",    "dashboard"};
constexpr std::array<std::string_view, 4> kRunKeys = {"name", "seed", "rounds", "mode"};
constexpr std::array<std::string_view, 9> kDataKeys = {
    "dataset",         "path",      "label_column",  "partition",  "alpha",
    "shards_per_site", "num_sites", "test_fraction", "standardize"};
constexpr std::array<std::string_view, 3> kModelKeys = {"kind", "hidden", "path"};
constexpr std::array<std::string_view, 6> kTrainKeys = {"optimizer", "lr",         "momentum",
                                                        "epochs",    "batch_size", "threads"};
constexpr std::array<std::string_view, 7> kStrategyKeys = {
    "name", "server_lr", "server_momentum", "beta1", "beta2", "tau", "mu"};
constexpr std::array<std::string_view, 2> kSelectionKeys = {"fraction", "min_sites"};
constexpr std::array<std::string_view, 6> kSecureKeys = {"threshold", "clip",       "scale_bits",
                                                         "he_params", "neighbours", "max_sites"};
constexpr std::array<std::string_view, 6> kDpKeys = {
    "enabled", "clip_norm", "noise_multiplier", "delta", "epsilon_budget", "mechanism"};
constexpr std::array<std::string_view, 3> kSimulationKeys = {"workers", "dropout", "central_eval"};
constexpr std::array<std::string_view, 1> kOutputKeys = {"dir"};
constexpr std::array<std::string_view, 6> kNetworkKeys = {"coordinator_address", "sites",
                                                          "stage_timeout_s",     "heartbeat_s",
                                                          "max_message_mb",      "certs_dir"};
constexpr std::array<std::string_view, 1> kStoreKeys = {"path"};
constexpr std::array<std::string_view, 3> kDashboardKeys = {"enabled", "bind", "port"};

constexpr uint32_t kMaxSites = 100000;

// "examples/heart.toml" -> "heart".
std::string StemOf(std::string_view source) {
  const size_t slash = source.find_last_of('/');
  std::string_view base = slash == std::string_view::npos ? source : source.substr(slash + 1);
  const size_t dot = base.rfind('.');
  if (dot != std::string_view::npos && dot > 0) base = base.substr(0, dot);
  return std::string(base);
}

void ReadRun(const toml::table& root, RunConfig& c, ConfigDiagnostics& d) {
  SectionReader r(root, "run", kRunKeys, d);
  r.String("name", &c.run.name);
  r.U64("seed", 0, std::numeric_limits<int64_t>::max(), &c.run.seed);
  if (r.Require("rounds")) r.U32("rounds", 1, 100000, &c.run.rounds);
  if (r.Require("mode")) r.Enum<RunMode>("mode", kModes, &c.run.mode);
}

void ReadData(const toml::table& root, RunConfig& c, ConfigDiagnostics& d) {
  SectionReader r(root, "data", kDataKeys, d);
  if (r.Require("dataset")) r.Enum<DatasetKind>("dataset", kDatasets, &c.data.dataset);
  r.String("path", &c.data.path);
  r.String("label_column", &c.data.label_column);
  r.Enum<PartitionKind>("partition", kPartitions, &c.data.partition);
  r.Double("alpha", kPositive, &c.data.alpha);
  r.U32("shards_per_site", 1, 10000, &c.data.shards_per_site);
  r.U32("num_sites", 1, kMaxSites, &c.data.num_sites);
  r.Double("test_fraction", kUnitOpen, &c.data.test_fraction);
  const bool tabular = c.data.dataset != DatasetKind::kFashionMnist;
  c.data.standardize = tabular;
  r.Bool("standardize", &c.data.standardize);
}

void ReadModel(const toml::table& root, RunConfig& c, ConfigDiagnostics& d) {
  SectionReader r(root, "model", kModelKeys, d);
  if (r.Require("kind")) r.Enum<ModelKind>("kind", kModels, &c.model.kind);
  if (c.model.kind == ModelKind::kMlp) c.model.hidden = {64};
  r.U32Array("hidden", 1, 65536, &c.model.hidden);
  r.String("path", &c.model.path);
}

void ReadTrain(const toml::table& root, RunConfig& c, ConfigDiagnostics& d) {
  SectionReader r(root, "train", kTrainKeys, d);
  r.Enum<OptimizerKind>("optimizer", kOptimizers, &c.train.optimizer);
  c.train.lr = c.train.optimizer == OptimizerKind::kAdam ? 0.001 : 0.01;
  r.Double("lr", kPositive, &c.train.lr);
  r.Double("momentum", kUnitOpen, &c.train.momentum);
  r.U32("epochs", 1, 1000, &c.train.epochs);
  r.U32("batch_size", 1, 65536, &c.train.batch_size);
  r.U32("threads", 0, 1024, &c.train.threads);
}

void ReadStrategy(const toml::table& root, RunConfig& c, ConfigDiagnostics& d) {
  SectionReader r(root, "strategy", kStrategyKeys, d);
  StrategyKind kind = StrategyKind::kFedAvg;
  r.Enum<StrategyKind>("name", StrategyKindNames(), &kind);
  c.strategy = StrategyConfig::Defaults(kind);
  struct Field {
    std::string_view key;
    double StrategyConfig::*member;
    DoubleRange range;
  };
  const std::array<Field, 6> fields = {{
      {"server_lr", &StrategyConfig::server_lr, kPositive},
      {"server_momentum", &StrategyConfig::server_momentum, kUnitOpen},
      {"beta1", &StrategyConfig::beta1, kUnitOpen},
      {"beta2", &StrategyConfig::beta2, kUnitOpen},
      {"tau", &StrategyConfig::tau, kPositive},
      {"mu", &StrategyConfig::mu, kNonNegative},
  }};
  for (const Field& f : fields) {
    if (!r.Has(f.key)) continue;
    if (!StrategyUsesField(kind, f.key)) {
      std::string users;
      for (const auto& [k, name] : StrategyKindNames()) {
        if (StrategyUsesField(k, f.key))
          users += fmt::format("{}{}", users.empty() ? "" : ", ", name);
      }
      d.Error(r.FullKey(f.key),
              fmt::format("not used by strategy \"{}\" (only by {}); remove it or change "
                          "strategy.name",
                          StrategyKindName(kind), users));
      continue;
    }
    r.Double(f.key, f.range, &(c.strategy.*f.member));
  }
}

void ReadSelection(const toml::table& root, RunConfig& c, ConfigDiagnostics& d) {
  SectionReader r(root, "selection", kSelectionKeys, d);
  r.Double("fraction", kUnitHalfOpen, &c.selection.fraction);
  r.U32("min_sites", 1, kMaxSites, &c.selection.min_sites);
}

void ReadSecure(const toml::table& root, RunConfig& c, ConfigDiagnostics& d) {
  SectionReader r(root, "secure", kSecureKeys, d);
  r.U32("threshold", 0, kMaxSites, &c.secure.threshold);
  r.Double("clip", kPositive, &c.secure.clip);
  r.U32("scale_bits", 1, 30, &c.secure.scale_bits);
  r.Enum<HeParamSet>("he_params", kHeParams, &c.secure.he_params);
  r.U32("neighbours", 0, kMaxSites, &c.secure.neighbours);
  r.U32("max_sites", 1, kMaxSites, &c.secure.max_sites);
}

void ReadDp(const toml::table& root, RunConfig& c, ConfigDiagnostics& d) {
  SectionReader r(root, "dp", kDpKeys, d);
  r.Bool("enabled", &c.dp.enabled);
  r.Double("clip_norm", kPositive, &c.dp.clip_norm);
  r.Double("noise_multiplier", kPositive, &c.dp.noise_multiplier);
  r.Double("delta", kUnitBothOpen, &c.dp.delta);
  if (r.Has("epsilon_budget")) {
    double eps = 0.0;
    r.Double("epsilon_budget", kPositive, &eps);
    if (eps > 0.0) c.dp.epsilon_budget = eps;
  }
  r.Enum<DpMechanism>("mechanism", kDpMechanisms, &c.dp.mechanism);
}

void ReadSimulation(const toml::table& root, RunConfig& c, ConfigDiagnostics& d) {
  SectionReader r(root, "simulation", kSimulationKeys, d);
  r.U32("workers", 0, 1024, &c.simulation.workers);
  r.Double("dropout", kUnitOpen, &c.simulation.dropout);
  r.Bool("central_eval", &c.simulation.central_eval);
}

void ReadOutputStoreDashboard(const toml::table& root, RunConfig& c, ConfigDiagnostics& d) {
  SectionReader output(root, "output", kOutputKeys, d);
  output.String("dir", &c.output.dir);
  SectionReader store(root, "store", kStoreKeys, d);
  store.String("path", &c.store.path);
  SectionReader dash(root, "dashboard", kDashboardKeys, d);
  dash.Bool("enabled", &c.dashboard.enabled);
  dash.String("bind", &c.dashboard.bind);
  uint32_t port = c.dashboard.port;
  dash.U32("port", 1, 65535, &port);
  c.dashboard.port = static_cast<uint16_t>(port);
}

void ReadNetwork(const toml::table& root, RunConfig& c, ConfigDiagnostics& d) {
  SectionReader r(root, "network", kNetworkKeys, d);
  r.String("coordinator_address", &c.network.coordinator_address);
  r.StringArray("sites", &c.network.sites);
  r.Double("stage_timeout_s", kPositive, &c.network.stage_timeout_s);
  r.Double("heartbeat_s", kPositive, &c.network.heartbeat_s);
  r.U32("max_message_mb", 1, 2047, &c.network.max_message_mb);
  r.String("certs_dir", &c.network.certs_dir);
}

// Defaults that depend on other keys. Only fills what the user did not write.
void ResolveDefaults(RunConfig& c, const ConfigDiagnostics& d) {
  if (!d.Written("run.name")) {
    c.run.name = StemOf(c.source);
    const bool usable = !c.run.name.empty() && c.run.name.size() <= 64 &&
                        c.run.name.find_first_not_of(
                            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
                            "rstuvwxyz0123456789._-") == std::string::npos;
    if (!usable) c.run.name = "run";
  }
  if (!d.Written("data.path")) {
    if (c.data.dataset == DatasetKind::kFashionMnist) {
      c.data.path = "/usr/share/datasets/fashion-mnist";
    } else if (c.data.dataset == DatasetKind::kHeart) {
      c.data.path = "/usr/share/doc/liblinear-tools/examples/heart_scale";
    }
  }
  if (c.data.partition == PartitionKind::kShards && !d.Written("data.shards_per_site")) {
    c.data.shards_per_site = 2;
  }
  if (!d.Written("data.num_sites") && !c.network.sites.empty()) {
    c.data.num_sites = static_cast<uint32_t>(c.network.sites.size());
  }
  if (!d.Written("selection.min_sites")) {
    // The threshold even in plain mode, so that a --mode override stays consistent.
    if (c.secure.threshold != 0) {
      c.selection.min_sites = c.secure.threshold;
    } else if (c.run.mode != RunMode::kPlain) {
      c.selection.min_sites = 2;
    }
  }
  if (!d.Written("secure.max_sites")) c.secure.max_sites = c.data.num_sites;
  if (!d.Written("output.dir")) c.output.dir = "runs/" + c.run.name;
  if (!d.Written("store.path")) c.store.path = c.output.dir + "/store.sqlite";
}

}  // namespace

std::string_view RunModeName(RunMode v) { return NameOf(kModes, v); }
std::string_view DatasetKindName(DatasetKind v) { return NameOf(kDatasets, v); }
std::string_view PartitionKindName(PartitionKind v) { return NameOf(kPartitions, v); }
std::string_view ModelKindName(ModelKind v) { return NameOf(kModels, v); }
std::string_view OptimizerKindName(OptimizerKind v) { return NameOf(kOptimizers, v); }
std::string_view HeParamSetName(HeParamSet v) { return NameOf(kHeParams, v); }
std::string_view DpMechanismName(DpMechanism v) { return NameOf(kDpMechanisms, v); }

absl::StatusOr<RunConfig> ParseRunConfig(std::string_view toml_text, std::string_view source_name) {
  ConfigDiagnostics diag{std::string(source_name)};
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    diag.ErrorAt(internal::PosOf(e.source()), "TOML syntax error", std::string(e.description()));
    return diag.ToStatus();
  }
  RunConfig c;
  c.source = std::string(source_name);
  internal::CheckSections(root, kSections, diag);
  ReadRun(root, c, diag);
  ReadData(root, c, diag);
  ReadModel(root, c, diag);
  ReadTrain(root, c, diag);
  ReadStrategy(root, c, diag);
  ReadSelection(root, c, diag);
  ReadSecure(root, c, diag);
  ReadDp(root, c, diag);
  ReadSimulation(root, c, diag);
  ReadNetwork(root, c, diag);
  ReadOutputStoreDashboard(root, c, diag);
  // Cross-field checks on a config with type errors would repeat them in other words.
  if (!diag.ok()) return diag.ToStatus();
  ResolveDefaults(c, diag);
  internal::CheckRunConfig(c, diag);
  if (!diag.ok()) return diag.ToStatus();
  return c;
}

absl::StatusOr<RunConfig> LoadRunConfig(const std::string& path) {
  constexpr std::streamoff kMaxConfigBytes = 1 << 20;
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(fmt::format("cannot open config file \"{}\"", path));
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) return absl::NotFoundError(fmt::format("cannot read config file \"{}\"", path));
  if (size > kMaxConfigBytes) {
    return absl::InvalidArgumentError(fmt::format(
        "config file \"{}\" is {} bytes, more than the {} allowed", path, size, kMaxConfigBytes));
  }
  in.seekg(0, std::ios::beg);
  std::string text(static_cast<size_t>(size), '\0');
  in.read(text.data(), size);
  if (!in) return absl::NotFoundError(fmt::format("cannot read config file \"{}\"", path));
  return ParseRunConfig(text, path);
}

absl::Status ValidateRunConfig(const RunConfig& config) {
  ConfigDiagnostics diag{config.source.empty() ? std::string("config") : config.source};
  internal::CheckRunConfig(config, diag);
  return diag.ToStatus();
}

}  // namespace fedcloak::fl
