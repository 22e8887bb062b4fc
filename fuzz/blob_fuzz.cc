// Fuzz target for the versioned blob reader. Properties checked beyond "no crash":
// an accepted blob re-encodes to the same bytes, and its payload lies inside the input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fedcloak/base/blob.h"
#include "fedcloak/base/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  fedcloak::BlobLimits limits;
  limits.max_payload_length = 1 << 20;
  auto view = fedcloak::ParseBlob(input, limits);
  if (!view.ok()) return 0;
  FEDCLOAK_CHECK(view->payload.size() == view->header.payload_length);
  const std::vector<uint8_t> again = fedcloak::EncodeBlob(view->header, view->payload);
  FEDCLOAK_CHECK(again.size() == size);
  FEDCLOAK_CHECK(std::equal(again.begin(), again.end(), data), "re-encoding differs");
  return 0;
}
