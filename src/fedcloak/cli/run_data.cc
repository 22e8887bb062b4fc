#include "fedcloak/cli/run_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "fedcloak/base/prg.h"
#include "fedcloak/base/status.h"
#include "fedcloak/ml/csv_loader.h"
#include "fedcloak/ml/idx_loader.h"
#include "fedcloak/ml/libsvm_loader.h"
#include "fedcloak/ml/partition.h"
#include "fedcloak/ml/standardize.h"

namespace fedcloak::cli {
namespace {

std::array<uint8_t, 32> SeedOf(uint64_t seed, uint64_t salt) {
  std::array<uint8_t, 32> out{};
  for (int i = 0; i < 8; ++i) {
    out[static_cast<size_t>(i)] = static_cast<uint8_t>(seed >> (8 * i));
    out[static_cast<size_t>(8 + i)] = static_cast<uint8_t>(salt >> (8 * i));
  }
  return out;
}

// The Statlog heart data has 13 features and labels +1/-1.
constexpr int64_t kHeartFeatures = 13;

absl::StatusOr<ml::Dataset> LoadTrainSet(const fl::RunConfig& c, const std::string& path) {
  switch (c.data.dataset) {
    case fl::DatasetKind::kFashionMnist:
      return ml::LoadIdxDataset(path + "/train-images-idx3-ubyte.gz",
                                path + "/train-labels-idx1-ubyte.gz");
    case fl::DatasetKind::kHeart: {
      ml::LibsvmOptions o;
      o.num_features = kHeartFeatures;
      o.num_classes = 2;
      return ml::LoadLibsvm(path, o);
    }
    case fl::DatasetKind::kLibsvm:
      return ml::LoadLibsvm(path);
    case fl::DatasetKind::kCsv: {
      ml::CsvOptions o;
      o.label_column = c.data.label_column;
      return ml::LoadCsv(path, o);
    }
  }
  return absl::InvalidArgumentError("unknown data set kind");
}

// Splits `indices` (one site's examples) into train and test by `test_fraction`, after a
// seeded shuffle; both parts keep at least one example when the site has two or more.
void SplitTrainTest(std::vector<size_t> indices, double test_fraction, SecureRandom& rng,
                    std::vector<size_t>* train, std::vector<size_t>* test) {
  for (size_t i = indices.size(); i > 1; --i) {
    std::swap(indices[i - 1], indices[static_cast<size_t>(rng.UniformBelow(i))]);
  }
  size_t n_test = static_cast<size_t>(test_fraction * static_cast<double>(indices.size()) + 0.5);
  if (test_fraction > 0 && n_test == 0 && indices.size() >= 2) n_test = 1;
  if (n_test >= indices.size()) n_test = indices.size() - 1;
  test->assign(indices.begin(), indices.begin() + static_cast<std::ptrdiff_t>(n_test));
  train->assign(indices.begin() + static_cast<std::ptrdiff_t>(n_test), indices.end());
  std::sort(train->begin(), train->end());
  std::sort(test->begin(), test->end());
}

absl::StatusOr<ml::Dataset> Concat(const std::vector<ml::Dataset>& parts) {
  std::vector<float> features;
  std::vector<int64_t> labels;
  for (const ml::Dataset& d : parts) {
    features.insert(features.end(), d.features().begin(), d.features().end());
    labels.insert(labels.end(), d.labels().begin(), d.labels().end());
  }
  return ml::Dataset::Create(std::move(features), std::move(labels), parts[0].example_shape(),
                             parts[0].num_classes());
}

}  // namespace

absl::StatusOr<RunData> LoadRunData(const fl::RunConfig& c) {
  FEDCLOAK_ASSIGN_OR_RETURN(ml::Dataset all, LoadTrainSet(c, c.data.path));
  const size_t n_sites = c.data.num_sites;
  Prg partition_rng(SeedOf(c.run.seed, 1), "data.partition");
  ml::Partition partition;
  switch (c.data.partition) {
    case fl::PartitionKind::kIid: {
      FEDCLOAK_ASSIGN_OR_RETURN(partition,
                                ml::PartitionIid(all.num_examples(), n_sites, partition_rng));
      break;
    }
    case fl::PartitionKind::kDirichlet: {
      FEDCLOAK_ASSIGN_OR_RETURN(
          partition, ml::PartitionDirichlet(all.labels(), n_sites, c.data.alpha, partition_rng, 2));
      break;
    }
    case fl::PartitionKind::kShards: {
      FEDCLOAK_ASSIGN_OR_RETURN(
          partition,
          ml::PartitionShards(all.labels(), n_sites, c.data.shards_per_site, partition_rng));
      break;
    }
  }

  std::vector<ml::Dataset> train, test;
  Prg split_rng(SeedOf(c.run.seed, 2), "data.split");
  for (size_t s = 0; s < n_sites; ++s) {
    std::vector<size_t> tr, te;
    SplitTrainTest(partition[s], c.data.test_fraction, split_rng, &tr, &te);
    if (tr.empty()) {
      return absl::InvalidArgumentError(
          fmt::format("site {} of {} gets no training example from {} examples; use fewer sites",
                      s + 1, n_sites, all.num_examples()));
    }
    FEDCLOAK_ASSIGN_OR_RETURN(ml::Dataset dtr, all.Subset(tr));
    FEDCLOAK_ASSIGN_OR_RETURN(ml::Dataset dte, all.Subset(te));
    train.push_back(std::move(dtr));
    test.push_back(std::move(dte));
  }

  RunData out;
  out.input_shape = all.example_shape();
  out.num_classes = all.num_classes();
  std::optional<ml::Dataset> central;
  if (c.data.dataset == fl::DatasetKind::kFashionMnist) {
    FEDCLOAK_ASSIGN_OR_RETURN(central,
                              ml::LoadIdxDataset(c.data.path + "/t10k-images-idx3-ubyte.gz",
                                                 c.data.path + "/t10k-labels-idx1-ubyte.gz"));
  } else {
    std::vector<ml::Dataset> nonempty;
    for (const ml::Dataset& d : test) {
      if (d.num_examples() > 0) nonempty.push_back(d);
    }
    if (!nonempty.empty()) {
      FEDCLOAK_ASSIGN_OR_RETURN(central, Concat(nonempty));
    }
  }

  if (c.data.standardize) {
    // Each site contributes its sums and counts; only the totals are used.
    ml::FeatureSums total;
    for (const ml::Dataset& d : train) {
      FEDCLOAK_RETURN_IF_ERROR(ml::AddFeatureSums(total, ml::ComputeFeatureSums(d)));
    }
    FEDCLOAK_ASSIGN_OR_RETURN(ml::Standardizer standardizer, ml::Standardizer::FromSums(total));
    for (ml::Dataset& d : train) FEDCLOAK_RETURN_IF_ERROR(standardizer.Apply(d));
    for (ml::Dataset& d : test) {
      if (d.num_examples() > 0) FEDCLOAK_RETURN_IF_ERROR(standardizer.Apply(d));
    }
    if (central) FEDCLOAK_RETURN_IF_ERROR(standardizer.Apply(*central));
  }
  FEDCLOAK_ASSIGN_OR_RETURN(ml::Dataset pooled, Concat(train));
  out.pooled_train = std::make_shared<const ml::Dataset>(std::move(pooled));
  for (size_t s = 0; s < n_sites; ++s) {
    out.site_train.push_back(std::make_shared<const ml::Dataset>(std::move(train[s])));
    out.site_test.push_back(std::make_shared<const ml::Dataset>(std::move(test[s])));
  }
  if (central) out.central_test = std::make_shared<const ml::Dataset>(std::move(*central));
  return out;
}

absl::StatusOr<RunData> LoadSiteData(const fl::RunConfig& c, const std::string& path) {
  FEDCLOAK_ASSIGN_OR_RETURN(ml::Dataset all, LoadTrainSet(c, path));
  std::vector<size_t> indices(all.num_examples());
  for (size_t i = 0; i < indices.size(); ++i) indices[i] = i;
  std::vector<size_t> tr, te;
  Prg split_rng(SeedOf(c.run.seed, 3), "data.site-split");
  SplitTrainTest(indices, c.data.test_fraction, split_rng, &tr, &te);
  FEDCLOAK_ASSIGN_OR_RETURN(ml::Dataset train, all.Subset(tr));
  FEDCLOAK_ASSIGN_OR_RETURN(ml::Dataset test, all.Subset(te));
  if (c.data.standardize) {
    FEDCLOAK_ASSIGN_OR_RETURN(ml::Standardizer s,
                              ml::Standardizer::FromSums(ml::ComputeFeatureSums(train)));
    FEDCLOAK_RETURN_IF_ERROR(s.Apply(train));
    if (test.num_examples() > 0) FEDCLOAK_RETURN_IF_ERROR(s.Apply(test));
  }
  RunData out;
  out.input_shape = all.example_shape();
  out.num_classes = all.num_classes();
  out.site_train.push_back(std::make_shared<const ml::Dataset>(std::move(train)));
  out.site_test.push_back(std::make_shared<const ml::Dataset>(std::move(test)));
  return out;
}

}  // namespace fedcloak::cli
