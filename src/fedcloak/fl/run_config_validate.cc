// Cross-field checks of a run configuration: what no single key can say on its own.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "fedcloak/fl/run_config.h"
#include "fedcloak/fl/run_config_reader.h"

namespace fedcloak::fl::internal {
namespace {

// Where a key that is missing should be reported: where the key that requires it was
// written, else where its own section starts.
SourcePos Anchor(const ConfigDiagnostics& d, std::string_view because_of,
                 std::string_view section) {
  if (auto p = d.Find(because_of)) return *p;
  return d.Find(section).value_or(SourcePos{});
}

bool IsSiteName(std::string_view name) {
  return !name.empty() && name.size() <= 64 &&
         name.find_first_not_of(
             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
             std::string_view::npos;
}

void CheckData(const RunConfig& c, ConfigDiagnostics& d) {
  const DataSection& data = c.data;
  const std::string_view dataset = DatasetKindName(data.dataset);
  if (data.path.empty()) {
    d.ErrorAt(Anchor(d, "data.dataset", "data"), "data.path",
              fmt::format("required when data.dataset = \"{}\"", dataset));
  }
  if (data.dataset == DatasetKind::kCsv && data.label_column.empty()) {
    d.ErrorAt(Anchor(d, "data.dataset", "data"), "data.label_column",
              "required when data.dataset = \"csv\" (the name of the label column in the header)");
  }
  if (data.dataset != DatasetKind::kCsv && !data.label_column.empty()) {
    d.Error("data.label_column",
            fmt::format("only used with data.dataset = \"csv\", not \"{}\"", dataset));
  }
  if (data.partition == PartitionKind::kDirichlet && !(data.alpha > 0.0)) {
    d.ErrorAt(Anchor(d, "data.partition", "data"), "data.alpha",
              "required when data.partition = \"dirichlet\": the concentration alpha > 0 "
              "(small alpha, e.g. 0.1, is strong label skew; 100 is nearly IID)");
  }
  if (data.partition != PartitionKind::kDirichlet && data.alpha != 0.0) {
    d.Error("data.alpha", fmt::format("only used with data.partition = \"dirichlet\", not \"{}\"",
                                      PartitionKindName(data.partition)));
  }
  if (data.partition != PartitionKind::kShards && data.shards_per_site != 0) {
    d.Error("data.shards_per_site",
            fmt::format("only used with data.partition = \"shards\", not \"{}\"",
                        PartitionKindName(data.partition)));
  }
  if (data.partition == PartitionKind::kShards && data.shards_per_site == 0) {
    d.Error("data.shards_per_site", "must be at least 1 with data.partition = \"shards\"");
  }
  if (data.num_sites == 0) {
    d.ErrorAt(d.Find("data").value_or(SourcePos{}), "data.num_sites",
              "required key is missing (or list the sites in network.sites)");
  }
  if (data.test_fraction == 0.0 && !c.simulation.central_eval) {
    d.Error("data.test_fraction",
            "is 0 and simulation.central_eval is false: the run would evaluate nothing");
  }
}

void CheckModelAndTrain(const RunConfig& c, ConfigDiagnostics& d) {
  const std::string_view kind = ModelKindName(c.model.kind);
  const bool images = c.data.dataset == DatasetKind::kFashionMnist;
  if ((c.model.kind == ModelKind::kCnn || c.model.kind == ModelKind::kCnnSmall) && !images) {
    d.Error("model.kind",
            fmt::format("\"{}\" needs image data (data.dataset = "
                        "\"fashion-mnist\"), but data.dataset = \"{}\"{}",
                        kind, DatasetKindName(c.data.dataset), d.LineNote("data.dataset")));
  }
  if (c.model.kind == ModelKind::kTorchScript && c.model.path.empty()) {
    d.ErrorAt(Anchor(d, "model.kind", "model"), "model.path",
              "required when model.kind = \"torchscript\"");
  }
  if (c.model.kind != ModelKind::kTorchScript && !c.model.path.empty()) {
    d.Error("model.path",
            fmt::format("only used with model.kind = \"torchscript\", not \"{}\"", kind));
  }
  if (c.model.kind != ModelKind::kMlp && !c.model.hidden.empty()) {
    d.Error("model.hidden", fmt::format("only used with model.kind = \"mlp\", not \"{}\"", kind));
  }
  if (c.train.optimizer != OptimizerKind::kSgd && c.train.momentum != 0.0) {
    d.Error("train.momentum", fmt::format("only used with train.optimizer = \"sgd\", not \"{}\"",
                                          OptimizerKindName(c.train.optimizer)));
  }
  if (auto s = ValidateStrategyConfig(c.strategy); !s.ok()) {
    d.Error("strategy", std::string(s.message().data(), s.message().size()));
  }
}

void CheckSelectionAndSecure(const RunConfig& c, ConfigDiagnostics& d) {
  const uint32_t n = c.data.num_sites;
  const uint32_t min_sites = c.selection.min_sites;
  if (n != 0 && min_sites > n) {
    d.Error("selection.min_sites", fmt::format("{} exceeds data.num_sites = {}{}", min_sites, n,
                                               d.LineNote("data.num_sites")));
  }
  if (c.run.mode == RunMode::kPlain) return;

  const SecureSection& s = c.secure;
  const std::string_view mode = RunModeName(c.run.mode);
  if (c.run.mode == RunMode::kHe && s.threshold == 0) {
    d.ErrorAt(Anchor(d, "run.mode", "secure"), "secure.threshold",
              "required when run.mode = \"he\": how many sites must take part in each "
              "decryption (t); any t sites together can decrypt the aggregate");
  }
  if (s.threshold == 1) {
    d.Error("secure.threshold",
            fmt::format("1 lets a single site unmask or decrypt alone; use at least 2 in mode "
                        "\"{}\"",
                        mode));
  }
  if (n != 0 && n < 2) {
    d.Error("data.num_sites", fmt::format("mode \"{}\" needs at least 2 sites, got {}", mode, n));
  }
  if (s.threshold > min_sites) {
    d.Error("secure.threshold",
            fmt::format("{} exceeds selection.min_sites = {}{}: a round could end with fewer "
                        "survivors than needed to {}",
                        s.threshold, min_sites, d.LineNote("selection.min_sites"),
                        c.run.mode == RunMode::kHe ? "decrypt" : "unmask"));
  }
  if (c.run.mode == RunMode::kSecAgg && s.neighbours != 0) {
    if (n != 0 && s.neighbours >= n) {
      d.Error("secure.neighbours", fmt::format("{} must be below data.num_sites = {}{}",
                                               s.neighbours, n, d.LineNote("data.num_sites")));
    }
    if (s.threshold > s.neighbours) {
      d.Error("secure.threshold",
              fmt::format("{} exceeds secure.neighbours = {}{}: shares go to the neighbours "
                          "only, so at most that many can be gathered",
                          s.threshold, s.neighbours, d.LineNote("secure.neighbours")));
    }
  }
  if (n != 0 && s.max_sites < n) {
    d.Error("secure.max_sites", fmt::format("{} is below data.num_sites = {}{}", s.max_sites, n,
                                            d.LineNote("data.num_sites")));
  }
  // Fixed-point capacity: the sum of max_sites values of magnitude clip * 2^scale_bits
  // must stay below 2^31 in two's complement mod 2^32 (doc/configuration.md).
  const double bound =
      static_cast<double>(s.max_sites) * s.clip * std::ldexp(1.0, static_cast<int>(s.scale_bits));
  if (bound >= std::ldexp(1.0, 31)) {
    d.Error("secure.scale_bits",
            fmt::format("capacity exceeded: secure.max_sites * secure.clip * 2^scale_bits = "
                        "{} * {} * 2^{} = {:.4g} must be below 2^31 = 2147483648; lower "
                        "scale_bits or clip",
                        s.max_sites, s.clip, s.scale_bits, bound));
  }
}

void CheckDp(const RunConfig& c, ConfigDiagnostics& d) {
  if (!c.dp.enabled) return;
  const SourcePos at = Anchor(d, "dp.enabled", "dp");
  if (c.dp.clip_norm == 0.0) d.ErrorAt(at, "dp.clip_norm", "required when dp.enabled = true");
  if (c.dp.noise_multiplier == 0.0) {
    d.ErrorAt(at, "dp.noise_multiplier", "required when dp.enabled = true");
  }
  if (c.dp.mechanism == DpMechanism::kDistributedDGauss && c.run.mode == RunMode::kPlain) {
    d.ErrorAt(Anchor(d, "dp.mechanism", "dp"), "dp.mechanism",
              fmt::format("\"distributed-dgauss\" needs run.mode = \"secagg\" or \"he\"{}: each "
                          "site adds only its share of the noise, so in mode \"plain\" the "
                          "coordinator would see nearly noiseless updates (use \"dp-sgd\" for "
                          "plain mode)",
                          d.LineNote("run.mode")));
  }
}

void CheckNetworkAndService(const RunConfig& c, ConfigDiagnostics& d) {
  const NetworkSection& net = c.network;
  std::set<std::string_view> seen;
  for (const std::string& site : net.sites) {
    if (!IsSiteName(site)) {
      d.Error("network.sites",
              fmt::format("\"{}\" is not a valid site name (1 to 64 of A-Z a-z 0-9 . _ -)", site));
    } else if (!seen.insert(site).second) {
      d.Error("network.sites", fmt::format("\"{}\" is listed twice", site));
    }
  }
  if (!net.sites.empty() && c.data.num_sites != net.sites.size()) {
    d.Error("data.num_sites",
            fmt::format("{} differs from the {} sites listed in network.sites{}", c.data.num_sites,
                        net.sites.size(), d.LineNote("network.sites")));
  }
  const size_t colon = net.coordinator_address.rfind(':');
  const std::string_view port = colon == std::string::npos
                                    ? std::string_view()
                                    : std::string_view(net.coordinator_address).substr(colon + 1);
  const bool port_ok = !port.empty() && port.size() <= 5 &&
                       port.find_first_not_of("0123456789") == std::string_view::npos &&
                       std::stoul(std::string(port)) >= 1 && std::stoul(std::string(port)) <= 65535;
  if (colon == 0 || !port_ok) {
    d.Error(
        "network.coordinator_address",
        fmt::format("\"{}\" is not host:port with a port in 1..65535", net.coordinator_address));
  }
  if (net.heartbeat_s >= net.stage_timeout_s) {
    d.Error(
        "network.heartbeat_s",
        fmt::format("{} s must be shorter than network.stage_timeout_s = {} s{}", net.heartbeat_s,
                    net.stage_timeout_s, d.LineNote("network.stage_timeout_s")));
  }
  if (c.run.name.empty() || !IsSiteName(c.run.name)) {
    d.Error("run.name", fmt::format("\"{}\" is not a valid run name (1 to 64 of A-Z a-z 0-9 . _ -)",
                                    c.run.name));
  }
  if (c.output.dir.empty()) d.Error("output.dir", "must not be empty");
  if (c.store.path.empty()) d.Error("store.path", "must not be empty");
  if (c.dashboard.bind.empty()) d.Error("dashboard.bind", "must not be empty");
}

}  // namespace

void CheckRunConfig(const RunConfig& config, ConfigDiagnostics& diag) {
  CheckData(config, diag);
  CheckModelAndTrain(config, diag);
  CheckSelectionAndSecure(config, diag);
  CheckDp(config, diag);
  CheckNetworkAndService(config, diag);
}

}  // namespace fedcloak::fl::internal
