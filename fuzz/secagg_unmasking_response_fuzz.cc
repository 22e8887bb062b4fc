// Fuzz target for the SecAgg+ UnmaskingResponse loader (see secagg_fuzz_common.h).
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz/secagg_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fedcloak::secagg;
  const std::span<const uint8_t> input(data, size);
  auto m = UnmaskingResponse::Parse(input, fuzz::Params(), fuzz::kRound, fuzz::Session());
  if (!m.ok()) return 0;
  for (const RevealedShare& s : m->shares) {
    for (uint64_t e : s.share) FEDCLOAK_CHECK(e < (uint64_t{1} << 61) - 1);
  }
  fuzz::CheckSame(m->Encode(fuzz::Context()), input);
  return 0;
}
