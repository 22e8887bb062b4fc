// Internal to the run configuration (run_config*.cc): typed, range-checked reading of
// one TOML section, and the collection of problems with their file positions.
#ifndef FEDCLOAK_FL_RUN_CONFIG_READER_H_
#define FEDCLOAK_FL_RUN_CONFIG_READER_H_

#include <toml++/toml.h>

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "fedcloak/fl/run_config.h"

namespace fedcloak::fl::internal {

struct SourcePos {
  uint32_t line = 0;  // 1-based; 0 = unknown
  uint32_t column = 0;
};

// Problems found in one config, each with the key it concerns and where that key (or
// its section) was written. Not thread-safe.
class ConfigDiagnostics {
 public:
  explicit ConfigDiagnostics(std::string source) : source_(std::move(source)) {}

  // Remembers where `key` ("section.key" or "section") was written.
  void Record(std::string_view key, SourcePos pos) { where_[std::string(key)] = pos; }
  std::optional<SourcePos> Find(std::string_view key) const;
  bool Written(std::string_view key) const { return Find(key).has_value(); }

  // "<source>:<line>:<column>: <key>: <message>", the position of `key` if recorded.
  void Error(std::string_view key, std::string_view message);
  void ErrorAt(SourcePos pos, std::string_view key, std::string_view message);

  // " (line N)" if `key` was written, else "": for messages that name a second key.
  std::string LineNote(std::string_view key) const;

  bool ok() const { return errors_.empty(); }
  // InvalidArgument with every error, ordered by line (position-less ones last).
  absl::Status ToStatus() const;
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::map<std::string, SourcePos, std::less<>> where_;
  std::vector<std::pair<SourcePos, std::string>> errors_;
};

SourcePos PosOf(const toml::source_region& region);

// Admissible values of a floating-point key.
struct DoubleRange {
  double lo;
  bool lo_open;
  double hi;  // +infinity when unbounded above
  bool hi_open;
  bool Contains(double v) const;
  std::string Describe() const;  // "> 0", "in [0, 1)", ...
};

template <typename E>
using EnumNames = std::span<const std::pair<E, std::string_view>>;

// Reads the keys of one section. Every read leaves `*out` unchanged (the default) when
// the key is absent, and reports a wrong type, range or enum value to `diag`.
class SectionReader {
 public:
  // Reports unknown keys of the section, and the section itself if it is not a table.
  SectionReader(const toml::table& root, std::string_view section,
                std::span<const std::string_view> known_keys, ConfigDiagnostics& diag);

  bool present() const { return table_ != nullptr; }
  bool Has(std::string_view key) const;

  // Reports "required key is missing" if `key` is absent; returns whether it is present.
  bool Require(std::string_view key);

  void String(std::string_view key, std::string* out);
  void Bool(std::string_view key, bool* out);
  void Double(std::string_view key, const DoubleRange& range, double* out);
  void U64(std::string_view key, uint64_t lo, uint64_t hi, uint64_t* out);
  void U32(std::string_view key, uint32_t lo, uint32_t hi, uint32_t* out);
  void U32Array(std::string_view key, uint32_t lo, uint32_t hi, std::vector<uint32_t>* out);
  void StringArray(std::string_view key, std::vector<std::string>* out);

  template <typename E>
  void Enum(std::string_view key, EnumNames<E> names, E* out) {
    std::string text;
    if (!ReadEnumText(key, &text)) return;
    for (const auto& [value, name] : names) {
      if (name == text) {
        *out = value;
        return;
      }
    }
    std::vector<std::string_view> options;
    for (const auto& entry : names) options.push_back(entry.second);
    ReportBadEnum(key, text, options);
  }

  std::string FullKey(std::string_view key) const;

 private:
  const toml::node* Node(std::string_view key) const;
  std::optional<uint64_t> Unsigned(std::string_view key, uint64_t lo, uint64_t hi);
  void TypeError(std::string_view key, const toml::node& node, std::string_view expected);
  bool ReadEnumText(std::string_view key, std::string* text);
  void ReportBadEnum(std::string_view key, std::string_view text,
                     std::span<const std::string_view> options);

  std::string section_;
  const toml::table* table_ = nullptr;
  SourcePos section_pos_;
  ConfigDiagnostics& diag_;
};

// Reports top-level keys that are not sections and sections not in `known`.
void CheckSections(const toml::table& root, std::span<const std::string_view> known,
                   ConfigDiagnostics& diag);

// The closest of `candidates` to `word` within edit distance 2, if any.
std::optional<std::string_view> Suggest(std::string_view word,
                                        std::span<const std::string_view> candidates);

// The cross-field checks shared by ParseRunConfig and ValidateRunConfig.
void CheckRunConfig(const RunConfig& config, ConfigDiagnostics& diag);

}  // namespace fedcloak::fl::internal

#endif  // FEDCLOAK_FL_RUN_CONFIG_READER_H_
