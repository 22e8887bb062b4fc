#include "fedcloak/ml/dataset.h"

#include <fmt/format.h>

#include <cmath>
#include <utility>

#include "fedcloak/base/check.h"

namespace fedcloak::ml {

absl::StatusOr<Dataset> Dataset::Create(std::vector<float> features, std::vector<int64_t> labels,
                                        std::vector<int64_t> example_shape, int64_t num_classes) {
  if (example_shape.empty()) {
    return absl::InvalidArgumentError("example shape must have at least one dimension");
  }
  size_t example_size = 1;
  for (int64_t d : example_shape) {
    if (d <= 0 || d > (int64_t{1} << 30)) {
      return absl::InvalidArgumentError(
          fmt::format("example shape dimension {} is out of range [1, 2^30]", d));
    }
    example_size *= static_cast<size_t>(d);
    if (example_size > (size_t{1} << 32)) {
      return absl::InvalidArgumentError("example size exceeds 2^32 floats");
    }
  }
  if (num_classes < 1) {
    return absl::InvalidArgumentError(fmt::format("num_classes must be >= 1, got {}", num_classes));
  }
  if (features.size() != labels.size() * example_size) {
    return absl::InvalidArgumentError(
        fmt::format("{} features do not make {} examples of {} floats", features.size(),
                    labels.size(), example_size));
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= num_classes) {
      return absl::InvalidArgumentError(
          fmt::format("label {} of example {} is outside [0, {})", labels[i], i, num_classes));
    }
  }
  for (size_t i = 0; i < features.size(); ++i) {
    if (!std::isfinite(features[i])) {
      return absl::InvalidArgumentError(fmt::format("feature {} of example {} is not finite",
                                                    i % example_size, i / example_size));
    }
  }
  return Dataset(std::move(features), std::move(labels), std::move(example_shape), example_size,
                 num_classes);
}

std::span<const float> Dataset::example(size_t i) const {
  FEDCLOAK_CHECK(i < labels_.size(), "example index out of range");
  return std::span<const float>(features_).subspan(i * example_size_, example_size_);
}

absl::StatusOr<Dataset> Dataset::Subset(std::span<const size_t> indices) const {
  std::vector<float> features;
  std::vector<int64_t> labels;
  features.reserve(indices.size() * example_size_);
  labels.reserve(indices.size());
  for (size_t i : indices) {
    if (i >= labels_.size()) {
      return absl::InvalidArgumentError(
          fmt::format("subset index {} is out of range for {} examples", i, labels_.size()));
    }
    const std::span<const float> row = example(i);
    features.insert(features.end(), row.begin(), row.end());
    labels.push_back(labels_[i]);
  }
  return Dataset(std::move(features), std::move(labels), example_shape_, example_size_,
                 num_classes_);
}

Dataset Dataset::Head(size_t n) const {
  n = std::min(n, labels_.size());
  std::vector<float> features(features_.begin(),
                              features_.begin() + static_cast<std::ptrdiff_t>(n * example_size_));
  std::vector<int64_t> labels(labels_.begin(), labels_.begin() + static_cast<std::ptrdiff_t>(n));
  return Dataset(std::move(features), std::move(labels), example_shape_, example_size_,
                 num_classes_);
}

}  // namespace fedcloak::ml
