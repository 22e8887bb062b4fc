// Loader for tabular data in CSV: a header row naming the columns, then one example per
// line, comma-separated numbers. The label column is chosen by name; every other column
// (except those in ignore_columns) is a feature, in header order. Blank lines are skipped;
// fields are trimmed of spaces; quotes are not supported.
#ifndef FEDCLOAK_ML_CSV_LOADER_H_
#define FEDCLOAK_ML_CSV_LOADER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/ml/dataset.h"

namespace fedcloak::ml {

struct CsvOptions {
  std::string label_column = "label";
  // Columns that are neither label nor feature (row ids, ...).
  std::vector<std::string> ignore_columns;
  // Class count; 0 infers it (see LabelsToClasses in loader_util.h for the label rules:
  // integer class indices, or -1/+1 for binary tasks).
  int64_t num_classes = 0;
};

// Parses CSV text. `source` names the input in messages ("file:line: ..."). Returns
// InvalidArgument for an empty input, a missing label column, a duplicate column name, a
// row with a different number of fields than the header (ragged), a cell that is not a
// finite number, a bad label, or no data rows.
absl::StatusOr<Dataset> ParseCsv(std::string_view text, std::string_view source,
                                 const CsvOptions& options);

// Reads `path` (gzip allowed) and parses it. Also NotFound, and InvalidArgument for a
// file over 1 GiB.
absl::StatusOr<Dataset> LoadCsv(const std::string& path, const CsvOptions& options);

}  // namespace fedcloak::ml

#endif  // FEDCLOAK_ML_CSV_LOADER_H_
