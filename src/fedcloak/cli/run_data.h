// The data of a simulated run: the data set named by the configuration, partitioned
// among the virtual sites, each site's part split into its train and test sets, and
// standardized with statistics computed federatedly (sites contribute sums and counts).
#ifndef FEDCLOAK_CLI_RUN_DATA_H_
#define FEDCLOAK_CLI_RUN_DATA_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/fl/run_config.h"
#include "fedcloak/ml/dataset.h"

namespace fedcloak::cli {

struct RunData {
  std::vector<std::shared_ptr<const ml::Dataset>> site_train;
  std::vector<std::shared_ptr<const ml::Dataset>> site_test;
  // Coordinator-held test set for central evaluation: Fashion-MNIST's t10k set, or for
  // tabular data the union of the sites' test splits (simulation only).
  std::shared_ptr<const ml::Dataset> central_test;
  // The union of the sites' training splits, for a centralized baseline.
  std::shared_ptr<const ml::Dataset> pooled_train;
  std::vector<int64_t> input_shape;
  int64_t num_classes = 0;
};

// Loads and partitions as `config.data` says, for `config.data.num_sites` sites.
// Errors from the loaders name the file and line; partitioning errors name the setting.
absl::StatusOr<RunData> LoadRunData(const fl::RunConfig& config);

// Loads one site's own data (networked deployment): the whole file at `path`, split into
// train and test by `config.data.test_fraction`, standardized with the site's own
// statistics when `config.data.standardize` (a federated statistics round is future work).
absl::StatusOr<RunData> LoadSiteData(const fl::RunConfig& config, const std::string& path);

}  // namespace fedcloak::cli

#endif  // FEDCLOAK_CLI_RUN_DATA_H_
