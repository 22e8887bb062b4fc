// Dataset: labelled examples held in plain float vectors, the torch-free form in which
// data moves through fedcloak. Loaders (idx_loader.h, csv_loader.h, libsvm_loader.h)
// produce it, partitioners (partition.h) split it, the Trainer reads it without copying.
//
// Layout: `features()` holds num_examples() rows of example_size() floats, row-major;
// one row is an example of shape example_shape() ({features} for tabular data,
// {channels, height, width} for images), also row-major. `labels()` holds one class
// index in [0, num_classes()) per example.
//
// Immutable after Create, except for in-place standardization (Standardizer::Apply).
// Copyable and movable; a const Dataset is safe to share across threads.
#ifndef FEDCLOAK_ML_DATASET_H_
#define FEDCLOAK_ML_DATASET_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"

namespace fedcloak::ml {

class Dataset {
 public:
  // Validates: example_shape non-empty with positive dimensions, features.size() ==
  // labels.size() * product(example_shape), every label in [0, num_classes),
  // num_classes >= 1, every feature finite. Returns InvalidArgument otherwise.
  static absl::StatusOr<Dataset> Create(std::vector<float> features, std::vector<int64_t> labels,
                                        std::vector<int64_t> example_shape, int64_t num_classes);

  size_t num_examples() const { return labels_.size(); }
  size_t example_size() const { return example_size_; }
  const std::vector<int64_t>& example_shape() const { return example_shape_; }
  int64_t num_classes() const { return num_classes_; }
  std::span<const float> features() const { return features_; }
  std::span<const int64_t> labels() const { return labels_; }
  // Row `i` of the features. REQUIRES: i < num_examples().
  std::span<const float> example(size_t i) const;

  // The examples at `indices`, in that order (repeats allowed). Returns InvalidArgument
  // for an index >= num_examples().
  absl::StatusOr<Dataset> Subset(std::span<const size_t> indices) const;

  // The first min(n, num_examples()) examples.
  Dataset Head(size_t n) const;

  // Mutable features, for in-place transforms that keep them finite (standardization).
  std::span<float> mutable_features() { return features_; }

 private:
  Dataset(std::vector<float> features, std::vector<int64_t> labels,
          std::vector<int64_t> example_shape, size_t example_size, int64_t num_classes)
      : features_(std::move(features)),
        labels_(std::move(labels)),
        example_shape_(std::move(example_shape)),
        example_size_(example_size),
        num_classes_(num_classes) {}

  std::vector<float> features_;
  std::vector<int64_t> labels_;
  std::vector<int64_t> example_shape_;
  size_t example_size_;
  int64_t num_classes_;
};

}  // namespace fedcloak::ml

#endif  // FEDCLOAK_ML_DATASET_H_
