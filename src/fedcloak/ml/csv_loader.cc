#include "fedcloak/ml/csv_loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "fedcloak/base/status.h"
#include "fedcloak/ml/loader_util.h"

namespace fedcloak::ml {
namespace {

constexpr size_t kMaxCsvBytes = size_t{1} << 30;

// Splits `line` at commas into trimmed fields.
void SplitFields(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  for (;;) {
    const size_t comma = line.find(',');
    fields.push_back(internal::TrimSpace(line.substr(0, comma)));
    if (comma == std::string_view::npos) return;
    line.remove_prefix(comma + 1);
  }
}

}  // namespace

absl::StatusOr<Dataset> ParseCsv(std::string_view text, std::string_view source,
                                 const CsvOptions& options) {
  std::vector<std::string_view> fields;
  std::vector<std::string_view> header;  // views into `text`, which outlives them
  std::optional<size_t> label_index;
  std::vector<bool> is_feature;
  size_t num_columns = 0;
  size_t num_features = 0;
  std::vector<float> features;
  std::vector<double> raw_labels;
  std::vector<size_t> label_lines;
  size_t line_number = 0;
  bool have_header = false;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    const std::string_view line = internal::TrimSpace(text.substr(0, newline));
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++line_number;
    if (line.empty()) continue;
    SplitFields(line, fields);
    if (!have_header) {
      have_header = true;
      header = fields;
      num_columns = fields.size();
      is_feature.assign(num_columns, true);
      for (size_t c = 0; c < num_columns; ++c) {
        if (fields[c].empty()) {
          return absl::InvalidArgumentError(fmt::format(
              "{}:{}: column {} of the header has no name", source, line_number, c + 1));
        }
        if (std::find(fields.begin(), fields.begin() + static_cast<std::ptrdiff_t>(c), fields[c]) !=
            fields.begin() + static_cast<std::ptrdiff_t>(c)) {
          return absl::InvalidArgumentError(
              fmt::format("{}:{}: duplicate column name '{}'", source, line_number, fields[c]));
        }
        if (fields[c] == options.label_column) {
          label_index = c;
          is_feature[c] = false;
        }
        if (std::find(options.ignore_columns.begin(), options.ignore_columns.end(), fields[c]) !=
            options.ignore_columns.end()) {
          is_feature[c] = false;
        }
      }
      if (!label_index) {
        return absl::InvalidArgumentError(
            fmt::format("{}:{}: no label column '{}' in the header (columns: {})", source,
                        line_number, options.label_column, fmt::join(fields, ", ")));
      }
      num_features = static_cast<size_t>(std::count(is_feature.begin(), is_feature.end(), true));
      if (num_features == 0) {
        return absl::InvalidArgumentError(
            fmt::format("{}:{}: the header has no feature column", source, line_number));
      }
      continue;
    }
    if (fields.size() != num_columns) {
      return absl::InvalidArgumentError(
          fmt::format("{}:{}: {} fields, but the header has {} columns", source, line_number,
                      fields.size(), num_columns));
    }
    for (size_t c = 0; c < num_columns; ++c) {
      if (!is_feature[c] && c != *label_index) continue;
      const std::optional<double> value = internal::ParseFiniteNumber(fields[c]);
      if (!value || (c != *label_index && (*value > 3.4e38 || *value < -3.4e38))) {
        return absl::InvalidArgumentError(
            fmt::format("{}:{}: column '{}': '{}' is not a finite number", source, line_number,
                        header[c], fields[c]));
      }
      if (c == *label_index) {
        raw_labels.push_back(*value);
        label_lines.push_back(line_number);
      } else {
        features.push_back(static_cast<float>(*value));
      }
    }
  }
  if (!have_header) {
    return absl::InvalidArgumentError(fmt::format("{}: empty file, no header row", source));
  }
  if (raw_labels.empty()) {
    return absl::InvalidArgumentError(
        fmt::format("{}:{}: no data rows after the header", source, line_number));
  }
  int64_t num_classes = 0;
  FEDCLOAK_ASSIGN_OR_RETURN(std::vector<int64_t> classes,
                            internal::LabelsToClasses(raw_labels, label_lines, source,
                                                      options.num_classes, &num_classes));
  return Dataset::Create(std::move(features), std::move(classes),
                         {static_cast<int64_t>(num_features)}, num_classes);
}

absl::StatusOr<Dataset> LoadCsv(const std::string& path, const CsvOptions& options) {
  FEDCLOAK_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes,
                            internal::ReadFileMaybeGzip(path, kMaxCsvBytes));
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return ParseCsv(text, path, options);
}

}  // namespace fedcloak::ml
