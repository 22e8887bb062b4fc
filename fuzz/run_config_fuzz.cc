// Fuzz target for the run-configuration parser (fl::ParseRunConfig). Beyond "no crash":
// a config that parses also passes ValidateRunConfig, and every error names the source.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fedcloak/base/check.h"
#include "fedcloak/fl/run_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = fedcloak::fl::ParseRunConfig(text, "fuzz.toml");
  if (config.ok()) {
    FEDCLOAK_CHECK(fedcloak::fl::ValidateRunConfig(*config).ok());
  } else {
    const std::string message(config.status().message().data(), config.status().message().size());
    FEDCLOAK_CHECK(message.rfind("fuzz.toml", 0) == 0, "error does not name the source");
  }
  return 0;
}
