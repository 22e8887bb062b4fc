#include "fedcloak/ml/loader_util.h"

#include <fmt/format.h>
#include <zlib.h>

#include <charconv>
#include <cmath>
#include <cstdio>

namespace fedcloak::ml::internal {

absl::StatusOr<std::vector<uint8_t>> ReadFileMaybeGzip(const std::string& path, size_t max_bytes) {
  // gzopen would create nothing for "rb", but it reports a missing file only through
  // errno; open with stdio first for a clear NotFound.
  std::FILE* probe = std::fopen(path.c_str(), "rb");
  if (probe == nullptr) {
    return absl::NotFoundError(fmt::format("{}: cannot open file", path));
  }
  std::fclose(probe);
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::NotFoundError(fmt::format("{}: cannot open file", path));
  }
  std::vector<uint8_t> out;
  constexpr unsigned kChunk = 1 << 20;
  for (;;) {
    const size_t old_size = out.size();
    if (old_size > max_bytes) break;
    out.resize(old_size + kChunk);
    const int n = gzread(file, out.data() + old_size, kChunk);
    if (n < 0) {
      int err = 0;
      const char* msg = gzerror(file, &err);
      std::string message = fmt::format("{}: corrupt gzip data: {}", path, msg ? msg : "?");
      gzclose(file);
      return absl::DataLossError(message);
    }
    out.resize(old_size + static_cast<size_t>(n));
    if (n == 0) break;
  }
  // gzread returns 0 at end of a truncated stream too; gzerror says Z_BUF_ERROR then.
  int err = Z_OK;
  gzerror(file, &err);
  gzclose(file);
  if (err != Z_OK && err != Z_STREAM_END) {
    return absl::DataLossError(fmt::format("{}: truncated gzip stream", path));
  }
  if (out.size() > max_bytes) {
    return absl::InvalidArgumentError(
        fmt::format("{}: contents exceed the limit of {} bytes", path, max_bytes));
  }
  return out;
}

std::optional<double> ParseFiniteNumber(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty() || text.front() == '+' || (text.front() == '-' && text.size() == 1)) {
    return std::nullopt;
  }
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::string_view TrimSpace(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

absl::StatusOr<std::vector<int64_t>> LabelsToClasses(std::span<const double> raw,
                                                     std::span<const size_t> lines,
                                                     std::string_view source, int64_t num_classes,
                                                     int64_t* num_classes_out) {
  constexpr double kMaxClass = 1 << 20;
  bool plus_minus = false;
  for (double v : raw) plus_minus = plus_minus || v == -1.0;
  std::vector<int64_t> classes(raw.size());
  int64_t max_class = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    const double v = raw[i];
    if (v != std::floor(v) || v < -1.0 || v > kMaxClass) {
      return absl::InvalidArgumentError(
          fmt::format("{}:{}: label {} is not a class index (an integer in [0, 2^20]) or -1/+1",
                      source, lines[i], v));
    }
    if (plus_minus) {
      if (v != -1.0 && v != 1.0) {
        return absl::InvalidArgumentError(
            fmt::format("{}:{}: label {} in a file with label -1; binary labels must be -1/+1",
                        source, lines[i], v));
      }
      classes[i] = v > 0 ? 1 : 0;
    } else {
      classes[i] = static_cast<int64_t>(v);
    }
    if (num_classes > 0 && classes[i] >= num_classes) {
      return absl::InvalidArgumentError(fmt::format(
          "{}:{}: label {} is not below the class count {}", source, lines[i], v, num_classes));
    }
    max_class = std::max(max_class, classes[i]);
  }
  *num_classes_out = num_classes > 0 ? num_classes : std::max<int64_t>(2, max_class + 1);
  return classes;
}

}  // namespace fedcloak::ml::internal
