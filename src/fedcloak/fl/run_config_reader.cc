#include "fedcloak/fl/run_config_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace fedcloak::fl::internal {
namespace {

std::string_view TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string Quoted(std::span<const std::string_view> words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    out += fmt::format("{}\"{}\"", i == 0 ? "" : ", ", words[i]);
  }
  return out;
}

std::string Plain(std::span<const std::string_view> words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i)
    out += fmt::format("{}{}", i == 0 ? "" : ", ", words[i]);
  return out;
}

}  // namespace

SourcePos PosOf(const toml::source_region& region) {
  return SourcePos{region.begin.line, region.begin.column};
}

std::optional<SourcePos> ConfigDiagnostics::Find(std::string_view key) const {
  auto it = where_.find(key);
  if (it == where_.end()) return std::nullopt;
  return it->second;
}

void ConfigDiagnostics::Error(std::string_view key, std::string_view message) {
  ErrorAt(Find(key).value_or(SourcePos{}), key, message);
}

void ConfigDiagnostics::ErrorAt(SourcePos pos, std::string_view key, std::string_view message) {
  std::string where =
      pos.line == 0 ? source_ : fmt::format("{}:{}:{}", source_, pos.line, pos.column);
  errors_.emplace_back(pos, fmt::format("{}: {}: {}", where, key, message));
}

std::string ConfigDiagnostics::LineNote(std::string_view key) const {
  auto pos = Find(key);
  return pos ? fmt::format(" (line {})", pos->line) : std::string();
}

absl::Status ConfigDiagnostics::ToStatus() const {
  if (errors_.empty()) return absl::OkStatus();
  std::vector<std::pair<SourcePos, std::string>> sorted = errors_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    const uint32_t la = a.first.line == 0 ? UINT32_MAX : a.first.line;
    const uint32_t lb = b.first.line == 0 ? UINT32_MAX : b.first.line;
    return la != lb ? la < lb : a.first.column < b.first.column;
  });
  std::string message;
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0) message += '\n';
    message += sorted[i].second;
  }
  return absl::InvalidArgumentError(message);
}

bool DoubleRange::Contains(double v) const {
  if (!std::isfinite(v)) return false;
  const bool above = lo_open ? v > lo : v >= lo;
  const bool below = hi_open ? v < hi : v <= hi;
  return above && below;
}

std::string DoubleRange::Describe() const {
  if (std::isinf(hi)) return fmt::format("{} {}", lo_open ? ">" : ">=", lo);
  return fmt::format("in {}{}, {}{}", lo_open ? "(" : "[", lo, hi, hi_open ? ")" : "]");
}

std::optional<std::string_view> Suggest(std::string_view word,
                                        std::span<const std::string_view> candidates) {
  std::optional<std::string_view> best;
  size_t best_distance = 3;
  for (std::string_view c : candidates) {
    const size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

void CheckSections(const toml::table& root, std::span<const std::string_view> known,
                   ConfigDiagnostics& diag) {
  for (auto&& [key, node] : root) {
    const std::string_view name = key.str();
    if (!node.is_table()) {
      diag.ErrorAt(PosOf(key.source()), name,
                   "keys must be inside a section such as [run]; a top-level key is not allowed");
      continue;
    }
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string hint;
    if (auto s = Suggest(name, known)) hint = fmt::format(" (did you mean [{}]?)", *s);
    diag.ErrorAt(PosOf(key.source()), fmt::format("[{}]", name),
                 fmt::format("unknown section{}; known sections: {}", hint, Plain(known)));
  }
}

SectionReader::SectionReader(const toml::table& root, std::string_view section,
                             std::span<const std::string_view> known_keys, ConfigDiagnostics& diag)
    : section_(section), diag_(diag) {
  const toml::node* node = root.get(section);
  if (node == nullptr) return;
  table_ = node->as_table();
  if (table_ == nullptr) return;  // CheckSections reported it
  section_pos_ = PosOf(table_->source());
  diag_.Record(section_, section_pos_);
  for (auto&& [key, value] : *table_) {
    const std::string_view name = key.str();
    const std::string full = FullKey(name);
    diag_.Record(full, PosOf(key.source()));
    if (std::find(known_keys.begin(), known_keys.end(), name) != known_keys.end()) continue;
    std::string hint;
    if (auto s = Suggest(name, known_keys)) hint = fmt::format(" (did you mean '{}'?)", *s);
    diag_.ErrorAt(
        PosOf(key.source()), full,
        fmt::format("unknown key in [{}]{}; known keys: {}", section_, hint, Plain(known_keys)));
  }
}

std::string SectionReader::FullKey(std::string_view key) const {
  return fmt::format("{}.{}", section_, key);
}

const toml::node* SectionReader::Node(std::string_view key) const {
  return table_ == nullptr ? nullptr : table_->get(key);
}

bool SectionReader::Has(std::string_view key) const { return Node(key) != nullptr; }

bool SectionReader::Require(std::string_view key) {
  if (Has(key)) return true;
  if (table_ == nullptr) {
    diag_.ErrorAt(
        SourcePos{}, FullKey(key),
        fmt::format("required key is missing (add a [{}] section with {} = ...)", section_, key));
  } else {
    diag_.ErrorAt(section_pos_, FullKey(key),
                  fmt::format("required key is missing from section [{}]", section_));
  }
  return false;
}

void SectionReader::TypeError(std::string_view key, const toml::node& node,
                              std::string_view expected) {
  diag_.Error(FullKey(key), fmt::format("expected {}, got {}", expected, TypeName(node)));
}

void SectionReader::String(std::string_view key, std::string* out) {
  const toml::node* node = Node(key);
  if (node == nullptr) return;
  if (const auto* s = node->as_string()) {
    *out = s->get();
  } else {
    TypeError(key, *node, "a string");
  }
}

void SectionReader::Bool(std::string_view key, bool* out) {
  const toml::node* node = Node(key);
  if (node == nullptr) return;
  if (const auto* b = node->as_boolean()) {
    *out = b->get();
  } else {
    TypeError(key, *node, "a boolean (true or false)");
  }
}

void SectionReader::Double(std::string_view key, const DoubleRange& range, double* out) {
  const toml::node* node = Node(key);
  if (node == nullptr) return;
  double v = 0.0;
  if (const auto* f = node->as_floating_point()) {
    v = f->get();
  } else if (const auto* i = node->as_integer()) {
    v = static_cast<double>(i->get());  // "lr = 1" means 1.0
  } else {
    TypeError(key, *node, "a number");
    return;
  }
  if (!range.Contains(v)) {
    diag_.Error(FullKey(key), fmt::format("{} is out of range: must be {}", v, range.Describe()));
    return;
  }
  *out = v;
}

std::optional<uint64_t> SectionReader::Unsigned(std::string_view key, uint64_t lo, uint64_t hi) {
  const toml::node* node = Node(key);
  if (node == nullptr) return std::nullopt;
  const auto* i = node->as_integer();
  if (i == nullptr) {
    TypeError(key, *node, "an integer");
    return std::nullopt;
  }
  const int64_t v = i->get();
  if (v < 0 || static_cast<uint64_t>(v) < lo || static_cast<uint64_t>(v) > hi) {
    diag_.Error(FullKey(key), fmt::format("{} is out of range: must be in [{}, {}]", v, lo, hi));
    return std::nullopt;
  }
  return static_cast<uint64_t>(v);
}

void SectionReader::U64(std::string_view key, uint64_t lo, uint64_t hi, uint64_t* out) {
  if (auto v = Unsigned(key, lo, hi)) *out = *v;
}

void SectionReader::U32(std::string_view key, uint32_t lo, uint32_t hi, uint32_t* out) {
  if (auto v = Unsigned(key, lo, hi)) *out = static_cast<uint32_t>(*v);
}

void SectionReader::U32Array(std::string_view key, uint32_t lo, uint32_t hi,
                             std::vector<uint32_t>* out) {
  const toml::node* node = Node(key);
  if (node == nullptr) return;
  const auto* array = node->as_array();
  if (array == nullptr) {
    TypeError(key, *node, "an array of integers");
    return;
  }
  std::vector<uint32_t> values;
  for (size_t idx = 0; idx < array->size(); ++idx) {
    const toml::node& el = *array->get(idx);
    const auto* i = el.as_integer();
    const std::string name = fmt::format("{}[{}]", FullKey(key), idx);
    if (i == nullptr) {
      diag_.ErrorAt(PosOf(el.source()), name,
                    fmt::format("expected an integer, got {}", TypeName(el)));
      return;
    }
    if (i->get() < lo || i->get() > hi) {
      diag_.ErrorAt(PosOf(el.source()), name,
                    fmt::format("{} is out of range: must be in [{}, {}]", i->get(), lo, hi));
      return;
    }
    values.push_back(static_cast<uint32_t>(i->get()));
  }
  *out = std::move(values);
}

void SectionReader::StringArray(std::string_view key, std::vector<std::string>* out) {
  const toml::node* node = Node(key);
  if (node == nullptr) return;
  const auto* array = node->as_array();
  if (array == nullptr) {
    TypeError(key, *node, "an array of strings");
    return;
  }
  std::vector<std::string> values;
  for (size_t idx = 0; idx < array->size(); ++idx) {
    const toml::node& el = *array->get(idx);
    const auto* s = el.as_string();
    if (s == nullptr) {
      diag_.ErrorAt(PosOf(el.source()), fmt::format("{}[{}]", FullKey(key), idx),
                    fmt::format("expected a string, got {}", TypeName(el)));
      return;
    }
    values.push_back(s->get());
  }
  *out = std::move(values);
}

bool SectionReader::ReadEnumText(std::string_view key, std::string* text) {
  const toml::node* node = Node(key);
  if (node == nullptr) return false;
  if (const auto* s = node->as_string()) {
    *text = s->get();
    return true;
  }
  TypeError(key, *node, "a string");
  return false;
}

void SectionReader::ReportBadEnum(std::string_view key, std::string_view text,
                                  std::span<const std::string_view> options) {
  std::string hint;
  if (auto s = Suggest(text, options)) hint = fmt::format(" (did you mean \"{}\"?)", *s);
  diag_.Error(FullKey(key), fmt::format("\"{}\" is not one of {}{}", text, Quoted(options), hint));
}

}  // namespace fedcloak::fl::internal
