// Loader for the IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/),
// read directly from the gzipped files (plain files work too).
//
// IDX layout: bytes 0-1 are zero, byte 2 the element type (only 0x08, unsigned byte, is
// supported), byte 3 the number of dimensions d (1..4), then d big-endian uint32 sizes,
// then the elements row-major. Nothing is allocated before the sizes are checked
// against the actual length.
#ifndef FEDCLOAK_ML_IDX_LOADER_H_
#define FEDCLOAK_ML_IDX_LOADER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/ml/dataset.h"

namespace fedcloak::ml {

// A parsed IDX array of unsigned bytes.
struct IdxArray {
  std::vector<uint32_t> dims;
  std::vector<uint8_t> data;  // product(dims) elements, row-major
};

// Parses IDX bytes. `source` names the input in messages. Returns DataLoss, naming
// `source` and the byte offset, for a wrong magic, an unsupported element type, zero
// or more than 4 dimensions, or a length that differs from what the sizes announce
// (truncated or trailing bytes).
absl::StatusOr<IdxArray> ParseIdx(std::span<const uint8_t> bytes, std::string_view source);

struct IdxOptions {
  // Keep only the first `max_examples` examples; 0 keeps all.
  size_t max_examples = 0;
  // Class count of the labels. Default: 10 (MNIST, Fashion-MNIST).
  int64_t num_classes = 10;
};

// Loads an image file (dims {n, rows, cols}) and a label file (dims {n}) into a Dataset
// of n examples of shape {1, rows, cols}, pixels scaled to [0, 1]. Returns NotFound for
// a missing file, DataLoss for corrupt files (see ParseIdx), InvalidArgument if the two
// counts differ or a label is not below num_classes.
absl::StatusOr<Dataset> LoadIdxDataset(const std::string& images_path,
                                       const std::string& labels_path,
                                       const IdxOptions& options = {});

}  // namespace fedcloak::ml

#endif  // FEDCLOAK_ML_IDX_LOADER_H_
