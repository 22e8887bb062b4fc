#include "fedcloak/ml/standardize.h"

#include <fmt/format.h>

#include <cmath>

namespace fedcloak::ml {
namespace {
constexpr double kMinStddev = 1e-12;
}  // namespace

FeatureSums ComputeFeatureSums(const Dataset& data) {
  const size_t width = data.example_size();
  FeatureSums sums;
  sums.count = data.num_examples();
  sums.sum.assign(width, 0.0);
  sums.sum_of_squares.assign(width, 0.0);
  for (size_t i = 0; i < data.num_examples(); ++i) {
    const std::span<const float> row = data.example(i);
    for (size_t j = 0; j < width; ++j) {
      const double x = row[j];
      sums.sum[j] += x;
      sums.sum_of_squares[j] += x * x;
    }
  }
  return sums;
}

absl::Status AddFeatureSums(FeatureSums& total, const FeatureSums& site) {
  if (total.count == 0 && total.sum.empty() && total.sum_of_squares.empty()) {
    total.sum.assign(site.sum.size(), 0.0);
    total.sum_of_squares.assign(site.sum_of_squares.size(), 0.0);
  }
  if (site.sum.size() != total.sum.size() ||
      site.sum_of_squares.size() != total.sum_of_squares.size()) {
    return absl::InvalidArgumentError(fmt::format(
        "feature sums of width {}/{} cannot be added to a total of width {}/{}", site.sum.size(),
        site.sum_of_squares.size(), total.sum.size(), total.sum_of_squares.size()));
  }
  total.count += site.count;
  for (size_t j = 0; j < site.sum.size(); ++j) {
    total.sum[j] += site.sum[j];
    total.sum_of_squares[j] += site.sum_of_squares[j];
  }
  return absl::OkStatus();
}

absl::StatusOr<Standardizer> Standardizer::FromSums(const FeatureSums& sums) {
  if (sums.count == 0) {
    return absl::InvalidArgumentError("feature sums over 0 examples give no statistics");
  }
  if (sums.sum.size() != sums.sum_of_squares.size() || sums.sum.empty()) {
    return absl::InvalidArgumentError(
        fmt::format("feature sums have {} sums but {} sums of squares", sums.sum.size(),
                    sums.sum_of_squares.size()));
  }
  const auto n = static_cast<double>(sums.count);
  std::vector<double> mean(sums.sum.size());
  std::vector<double> stddev(sums.sum.size());
  for (size_t j = 0; j < sums.sum.size(); ++j) {
    if (!std::isfinite(sums.sum[j]) || !std::isfinite(sums.sum_of_squares[j])) {
      return absl::InvalidArgumentError(fmt::format("feature {} has a non-finite sum", j));
    }
    mean[j] = sums.sum[j] / n;
    // E[x^2] - E[x]^2 can come out slightly negative by rounding.
    const double variance = std::max(0.0, sums.sum_of_squares[j] / n - mean[j] * mean[j]);
    stddev[j] = std::sqrt(variance);
  }
  return Standardizer(std::move(mean), std::move(stddev));
}

absl::Status Standardizer::Apply(Dataset& data) const {
  const size_t width = mean_.size();
  if (data.example_size() != width) {
    return absl::InvalidArgumentError(fmt::format(
        "data has {} features per example, the standardizer {}", data.example_size(), width));
  }
  std::span<float> x = data.mutable_features();
  for (size_t i = 0; i < x.size(); ++i) {
    const size_t j = i % width;
    const double scale = stddev_[j] < kMinStddev ? 1.0 : 1.0 / stddev_[j];
    x[i] = static_cast<float>((x[i] - mean_[j]) * scale);
  }
  return absl::OkStatus();
}

}  // namespace fedcloak::ml
