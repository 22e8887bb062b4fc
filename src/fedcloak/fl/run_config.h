// The description of one federated run, read from a single TOML file. Every key, its
// type, range and default is documented in doc/configuration.md. Plain data: copyable,
// loggable (no secrets), and complete after parsing (omitted keys hold their defaults).
#ifndef FEDCLOAK_FL_RUN_CONFIG_H_
#define FEDCLOAK_FL_RUN_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fedcloak/fl/strategy_config.h"

namespace fedcloak::fl {

// How updates are aggregated. kPlain is NOT private: the coordinator sees every update.
enum class RunMode : uint8_t { kPlain = 0, kSecAgg = 1, kHe = 2 };
enum class DatasetKind : uint8_t { kFashionMnist, kHeart, kCsv, kLibsvm };
enum class PartitionKind : uint8_t { kIid, kDirichlet, kShards };
enum class ModelKind : uint8_t { kMlp, kCnn, kCnnSmall, kTorchScript };
enum class OptimizerKind : uint8_t { kSgd, kAdam };
enum class HeParamSet : uint8_t { kN4096, kN8192 };
enum class DpMechanism : uint8_t { kDistributedDGauss, kDpSgd };

// The spelling used in config files ("plain", "fashion-mnist", "n4096", ...).
std::string_view RunModeName(RunMode v);
std::string_view DatasetKindName(DatasetKind v);
std::string_view PartitionKindName(PartitionKind v);
std::string_view ModelKindName(ModelKind v);
std::string_view OptimizerKindName(OptimizerKind v);
std::string_view HeParamSetName(HeParamSet v);
std::string_view DpMechanismName(DpMechanism v);

struct RunSection {
  std::string name;                // [A-Za-z0-9._-]{1,64}. Default: the config file's stem.
  uint64_t seed = 0;               // seeds partitioning, init, selection, shuffles; never crypto
  uint32_t rounds = 0;             // required, 1..100000
  RunMode mode = RunMode::kPlain;  // required
};

struct DataSection {
  DatasetKind dataset = DatasetKind::kFashionMnist;  // required
  std::string path;          // default per dataset; required for csv and libsvm
  std::string label_column;  // csv only, required there
  PartitionKind partition = PartitionKind::kIid;
  double alpha = 0.0;            // dirichlet only, required there, > 0
  uint32_t shards_per_site = 0;  // shards only, default 2
  uint32_t num_sites = 0;        // 1..100000; default: size of network.sites
  double test_fraction = 0.2;    // [0, 1): each site's local test split
  bool standardize = false;      // default: true for tabular data, false for images
};

struct ModelSection {
  ModelKind kind = ModelKind::kMlp;  // required
  std::vector<uint32_t> hidden;      // mlp only; default [64]; [] is a linear model
  std::string path;                  // torchscript only, required there
};

struct TrainSection {
  OptimizerKind optimizer = OptimizerKind::kSgd;
  double lr = 0.01;          // default 0.01 for sgd, 0.001 for adam
  double momentum = 0.0;     // sgd only, [0, 1)
  uint32_t epochs = 1;       // 1..1000
  uint32_t batch_size = 32;  // 1..65536
  uint32_t threads = 0;      // 0 = all cores
};

struct SelectionSection {
  double fraction = 1.0;   // (0, 1]: share of num_sites selected each round
  uint32_t min_sites = 1;  // fewest surviving sites a round accepts. Default:
                           // secure.threshold if set, else 1 (plain) or 2
};

struct SecureSection {
  uint32_t threshold = 0;    // t; he: required, 2 <= t; secagg: 0 = derive
  double clip = 1.0;         // update values are clipped to [-clip, clip]
  uint32_t scale_bits = 16;  // fixed-point scale 2^scale_bits
  HeParamSet he_params = HeParamSet::kN4096;
  uint32_t neighbours = 0;  // secagg: SecAgg+ graph degree k; 0 = derive from n
  uint32_t max_sites = 0;   // capacity bound; default num_sites
};

struct DpSection {
  bool enabled = false;
  double clip_norm = 0.0;                // C, L2 norm; required when enabled
  double noise_multiplier = 0.0;         // z; required when enabled
  double delta = 1e-5;                   // (0, 1)
  std::optional<double> epsilon_budget;  // stop before exceeding; none = no limit
  DpMechanism mechanism = DpMechanism::kDistributedDGauss;
};

struct SimulationSection {
  uint32_t workers = 0;  // 0 = number of cores
  double dropout = 0.0;  // [0, 1): probability that a site drops in a round
  bool central_eval = true;
};

struct OutputSection {
  std::string dir;  // default "runs/<run.name>"
};

struct NetworkSection {
  std::string coordinator_address = "127.0.0.1:50051";  // host:port
  std::vector<std::string> sites;                       // certificate names of the run's sites
  double stage_timeout_s = 300.0;
  double heartbeat_s = 5.0;
  uint32_t max_message_mb = 256;  // 1..2047
  std::string certs_dir = "certs";
};

struct StoreSection {
  std::string path;  // default "<output.dir>/store.sqlite"
};

struct DashboardSection {
  bool enabled = false;
  std::string bind = "127.0.0.1";
  uint16_t port = 8080;  // 1..65535
};

struct RunConfig {
  std::string source;  // the file (or source name) it was read from
  RunSection run;
  DataSection data;
  ModelSection model;
  TrainSection train;
  StrategyConfig strategy;  // StrategyConfig::Defaults(name) + what the file sets
  SelectionSection selection;
  SecureSection secure;
  DpSection dp;
  SimulationSection simulation;
  OutputSection output;
  NetworkSection network;
  StoreSection store;
  DashboardSection dashboard;
};

// Parses a whole config. InvalidArgument listing every problem found, one per line,
// each as "<source>:<line>:<column>: <key>: <what is wrong>" (TOML syntax errors,
// unknown sections or keys, wrong types, out-of-range or unknown enum values, missing
// required keys, cross-field conflicts). `source_name` is used in messages and for the
// default run name.
absl::StatusOr<RunConfig> ParseRunConfig(std::string_view toml_text, std::string_view source_name);

// Reads and parses `path`. NotFound if it cannot be opened; InvalidArgument if it is
// larger than 1 MiB or does not parse (as above).
absl::StatusOr<RunConfig> LoadRunConfig(const std::string& path);

// The cross-field checks of ParseRunConfig, for a config changed in code (for example
// a --mode override): InvalidArgument listing the conflicts, without line numbers.
absl::Status ValidateRunConfig(const RunConfig& config);

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_RUN_CONFIG_H_
