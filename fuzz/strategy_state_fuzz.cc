// Fuzz target for the server-strategy state loader (Strategy::LoadState). Beyond "no
// crash": an accepted state re-saves to the same bytes, and a refused one leaves the
// strategy as it was. The first input byte picks the strategy.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fedcloak/base/check.h"
#include "fedcloak/fl/strategy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto kind = static_cast<fedcloak::fl::StrategyKind>(data[0] % 6);
  auto strategy = fedcloak::fl::CreateStrategy(fedcloak::fl::StrategyConfig::Defaults(kind));
  FEDCLOAK_CHECK(strategy.ok());
  const std::span<const uint8_t> blob(data + 1, size - 1);
  const std::vector<uint8_t> before = (*strategy)->SaveState();
  if ((*strategy)->LoadState(blob).ok()) {
    const std::vector<uint8_t> again = (*strategy)->SaveState();
    FEDCLOAK_CHECK(again.size() == blob.size());
    FEDCLOAK_CHECK(std::equal(again.begin(), again.end(), blob.begin()), "re-save differs");
  } else {
    FEDCLOAK_CHECK((*strategy)->SaveState() == before, "refused load changed the state");
  }
  return 0;
}
