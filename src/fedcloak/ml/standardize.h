// Feature standardization whose statistics are computed federatedly: each site computes
// FeatureSums over its own rows (count, per-feature sums and sums of squares), only those
// sums leave the site (in clear, or through secure aggregation: they add up), and every
// site builds the same Standardizer from the total and applies it locally.
#ifndef FEDCLOAK_ML_STANDARDIZE_H_
#define FEDCLOAK_ML_STANDARDIZE_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fedcloak/ml/dataset.h"

namespace fedcloak::ml {

// Per-feature sums of one site or of several added up. Feature j is element j of an
// example (for images: one pixel position).
struct FeatureSums {
  uint64_t count = 0;
  std::vector<double> sum;             // sum over examples of x_j
  std::vector<double> sum_of_squares;  // sum over examples of x_j^2
};

// Sums over all examples of `data`.
FeatureSums ComputeFeatureSums(const Dataset& data);

// total += site. An empty `total` (count 0, no features) takes the width of `site`.
// InvalidArgument if the widths differ.
absl::Status AddFeatureSums(FeatureSums& total, const FeatureSums& site);

// x_j -> (x_j - mean_j) / std_j with the population standard deviation; a feature whose
// std is below 1e-12 (constant) is only centered. Immutable, copyable, thread-safe.
class Standardizer {
 public:
  // InvalidArgument if count == 0, the vectors differ in size, or a sum is not finite.
  static absl::StatusOr<Standardizer> FromSums(const FeatureSums& sums);

  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& stddev() const { return stddev_; }

  // Standardizes `data` in place. InvalidArgument if its example size differs from the
  // number of features.
  absl::Status Apply(Dataset& data) const;

 private:
  Standardizer(std::vector<double> mean, std::vector<double> stddev)
      : mean_(std::move(mean)), stddev_(std::move(stddev)) {}

  std::vector<double> mean_;
  std::vector<double> stddev_;
};

}  // namespace fedcloak::ml

#endif  // FEDCLOAK_ML_STANDARDIZE_H_
