// Fuzz target for the checkpoint loader (store::DecodeCheckpoint). Beyond "no crash":
// an accepted checkpoint re-encodes to exactly the input bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fedcloak/base/check.h"
#include "fedcloak/store/checkpoint_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto c = fedcloak::store::DecodeCheckpoint(std::span<const uint8_t>(data, size), "fuzz");
  if (!c.ok()) return 0;
  const std::vector<uint8_t> again = fedcloak::store::EncodeCheckpoint(*c);
  FEDCLOAK_CHECK(again.size() == size);
  FEDCLOAK_CHECK(std::equal(again.begin(), again.end(), data), "re-encoding differs");
  return 0;
}
