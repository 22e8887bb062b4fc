#include "fedcloak/ml/libsvm_loader.h"

#include <fmt/format.h>

#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "fedcloak/base/status.h"
#include "fedcloak/ml/loader_util.h"

namespace fedcloak::ml {
namespace {

constexpr size_t kMaxLibsvmBytes = size_t{1} << 30;
constexpr int64_t kMaxFeatures = int64_t{1} << 20;

struct SparseRow {
  size_t first;  // offset of this row's pairs in the pair list
  size_t count;
};

}  // namespace

absl::StatusOr<Dataset> ParseLibsvm(std::string_view text, std::string_view source,
                                    const LibsvmOptions& options) {
  if (options.num_features < 0 || options.num_features > kMaxFeatures) {
    return absl::InvalidArgumentError(
        fmt::format("num_features {} is outside [0, 2^20]", options.num_features));
  }
  std::vector<std::pair<int64_t, float>> pairs;
  std::vector<SparseRow> rows;
  std::vector<double> raw_labels;
  std::vector<size_t> label_lines;
  int64_t max_index = 0;
  size_t line_number = 0;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    std::string_view line = internal::TrimSpace(text.substr(0, newline));
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++line_number;
    if (line.empty()) continue;
    SparseRow row{pairs.size(), 0};
    bool first_token = true;
    int64_t previous_index = 0;
    while (!line.empty()) {
      const size_t space = line.find_first_of(" \t");
      const std::string_view token = line.substr(0, space);
      line = internal::TrimSpace(space == std::string_view::npos ? std::string_view()
                                                                 : line.substr(space + 1));
      if (first_token) {
        first_token = false;
        const std::optional<double> label = internal::ParseFiniteNumber(token);
        if (!label) {
          return absl::InvalidArgumentError(
              fmt::format("{}:{}: label '{}' is not a number", source, line_number, token));
        }
        raw_labels.push_back(*label);
        label_lines.push_back(line_number);
        continue;
      }
      const size_t colon = token.find(':');
      if (colon == std::string_view::npos) {
        return absl::InvalidArgumentError(
            fmt::format("{}:{}: '{}' is not an index:value pair", source, line_number, token));
      }
      const std::optional<double> index = internal::ParseFiniteNumber(token.substr(0, colon));
      const std::optional<double> value = internal::ParseFiniteNumber(token.substr(colon + 1));
      if (!index || *index < 1 || *index > static_cast<double>(kMaxFeatures) ||
          *index != std::floor(*index)) {
        return absl::InvalidArgumentError(
            fmt::format("{}:{}: feature index in '{}' is not an integer in [1, 2^20]", source,
                        line_number, token));
      }
      if (!value || *value > 3.4e38 || *value < -3.4e38) {
        return absl::InvalidArgumentError(
            fmt::format("{}:{}: value in '{}' is not a finite float", source, line_number, token));
      }
      const auto i = static_cast<int64_t>(*index);
      if (i <= previous_index) {
        return absl::InvalidArgumentError(
            fmt::format("{}:{}: feature index {} does not increase (previous {})", source,
                        line_number, i, previous_index));
      }
      if (options.num_features > 0 && i > options.num_features) {
        return absl::InvalidArgumentError(
            fmt::format("{}:{}: feature index {} exceeds num_features {}", source, line_number, i,
                        options.num_features));
      }
      previous_index = i;
      max_index = std::max(max_index, i);
      pairs.emplace_back(i, static_cast<float>(*value));
      ++row.count;
    }
    rows.push_back(row);
  }
  if (rows.empty()) {
    return absl::InvalidArgumentError(fmt::format("{}: empty file, no examples", source));
  }
  const int64_t width = options.num_features > 0 ? options.num_features : max_index;
  if (width == 0) {
    return absl::InvalidArgumentError(fmt::format("{}: no example has any feature", source));
  }
  const auto w = static_cast<size_t>(width);
  if (rows.size() > (size_t{1} << 32) / w) {
    return absl::InvalidArgumentError(
        fmt::format("{}: {} rows of {} features exceed 2^32 floats", source, rows.size(), w));
  }
  std::vector<float> features(rows.size() * w, 0.0f);
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t k = rows[r].first; k < rows[r].first + rows[r].count; ++k) {
      features[r * w + static_cast<size_t>(pairs[k].first - 1)] = pairs[k].second;
    }
  }
  int64_t num_classes = 0;
  FEDCLOAK_ASSIGN_OR_RETURN(std::vector<int64_t> classes,
                            internal::LabelsToClasses(raw_labels, label_lines, source,
                                                      options.num_classes, &num_classes));
  return Dataset::Create(std::move(features), std::move(classes), {width}, num_classes);
}

absl::StatusOr<Dataset> LoadLibsvm(const std::string& path, const LibsvmOptions& options) {
  FEDCLOAK_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes,
                            internal::ReadFileMaybeGzip(path, kMaxLibsvmBytes));
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return ParseLibsvm(text, path, options);
}

}  // namespace fedcloak::ml
