// Fuzz target for the CSV parser of module ml. Properties beyond "no crash": an accepted
// input yields a consistent Dataset (rows x features, labels in range).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fedcloak/base/check.h"
#include "fedcloak/ml/csv_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fedcloak::ml::CsvOptions options;
  options.label_column = "label";
  auto parsed = fedcloak::ml::ParseCsv(text, "fuzz", options);
  if (!parsed.ok()) return 0;
  FEDCLOAK_CHECK(parsed->num_examples() > 0);
  FEDCLOAK_CHECK(parsed->features().size() == parsed->num_examples() * parsed->example_size());
  for (int64_t label : parsed->labels()) {
    FEDCLOAK_CHECK(label >= 0 && label < parsed->num_classes());
  }
  return 0;
}
