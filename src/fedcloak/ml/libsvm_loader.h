// Loader for the sparse text format of libsvm and liblinear: one example per line,
// "<label> <index>:<value> <index>:<value> ...", indices 1-based and strictly
// increasing, absent features 0. Blank lines are skipped. Example: the Statlog heart
// data at /usr/share/doc/liblinear-tools/examples/heart_scale (labels -1/+1).
#ifndef FEDCLOAK_ML_LIBSVM_LOADER_H_
#define FEDCLOAK_ML_LIBSVM_LOADER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "fedcloak/ml/dataset.h"

namespace fedcloak::ml {

struct LibsvmOptions {
  // Feature count; 0 infers the largest index present. Give it so that every site's
  // data has the same width even if its file never mentions the last feature.
  int64_t num_features = 0;
  // Class count; 0 infers it. Labels: -1/+1 map to classes 0/1; otherwise integer class
  // indices (see LabelsToClasses in loader_util.h).
  int64_t num_classes = 0;
};

// Parses libsvm text. Returns InvalidArgument naming `source` and the line for an empty
// input, a malformed pair, a non-numeric or non-finite value, an index that is not
// increasing or is 0 or exceeds num_features or 2^20, or a bad label.
absl::StatusOr<Dataset> ParseLibsvm(std::string_view text, std::string_view source,
                                    const LibsvmOptions& options);

// Reads `path` (gzip allowed) and parses it. Also NotFound.
absl::StatusOr<Dataset> LoadLibsvm(const std::string& path, const LibsvmOptions& options = {});

}  // namespace fedcloak::ml

#endif  // FEDCLOAK_ML_LIBSVM_LOADER_H_
