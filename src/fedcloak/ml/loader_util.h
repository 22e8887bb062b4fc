// Helpers shared by the data loaders of module ml. Internal: not for use outside ml.
#ifndef FEDCLOAK_ML_LOADER_UTIL_H_
#define FEDCLOAK_ML_LOADER_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace fedcloak::ml::internal {

// Reads a whole file, gunzipping it if it starts with the gzip magic (zlib reads plain
// files unchanged). NotFound if it cannot be opened, DataLoss for a corrupt or truncated
// gzip stream, InvalidArgument if the (decompressed) contents exceed `max_bytes`.
absl::StatusOr<std::vector<uint8_t>> ReadFileMaybeGzip(const std::string& path, size_t max_bytes);

// Parses a decimal number ("1", "-0.5", "+1", "3e-2"); nullopt if `text` is not one
// finite number in its entirety.
std::optional<double> ParseFiniteNumber(std::string_view text);

// Strips ASCII spaces, tabs and a trailing '\r'.
std::string_view TrimSpace(std::string_view text);

// Turns raw label values into class indices. Rules, checked per file:
//   - every label must be an integer;
//   - if some label is -1, every label must be -1 or +1, mapped to classes 0 and 1
//     (the libsvm convention for binary tasks);
//   - otherwise labels are class indices >= 0 used as they are.
// `num_classes` > 0 fixes the class count (labels must be below it; give it so that
// sites whose files lack some class agree on the model's output size); 0 infers
// max(class) + 1, at least 2. `lines[i]` is the line of label i, for messages naming
// `source` and the line. Sets *num_classes_out.
absl::StatusOr<std::vector<int64_t>> LabelsToClasses(std::span<const double> raw,
                                                     std::span<const size_t> lines,
                                                     std::string_view source, int64_t num_classes,
                                                     int64_t* num_classes_out);

}  // namespace fedcloak::ml::internal

#endif  // FEDCLOAK_ML_LOADER_UTIL_H_
