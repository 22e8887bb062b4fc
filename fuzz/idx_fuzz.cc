// Fuzz target for the IDX parser of module ml. Properties beyond "no crash": an accepted
// input holds exactly the announced number of elements after its header.
#include <cstddef>
#include <cstdint>
#include <span>

#include "fedcloak/base/check.h"
#include "fedcloak/ml/idx_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto array = fedcloak::ml::ParseIdx(std::span<const uint8_t>(data, size), "fuzz");
  if (!array.ok()) return 0;
  size_t count = 1;
  for (uint32_t d : array->dims) count *= d;
  FEDCLOAK_CHECK(array->data.size() == count);
  FEDCLOAK_CHECK(4 + 4 * array->dims.size() + count == size, "length mismatch accepted");
  return 0;
}
