// Fuzz target for the SecAgg+ KeyDirectory loader (see secagg_fuzz_common.h).
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz/secagg_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fedcloak::secagg;
  const std::span<const uint8_t> input(data, size);
  fedcloak::SessionId session;
  auto m = KeyDirectory::Parse(input, fuzz::Params(), fuzz::kRound, &session);
  if (!m.ok()) return 0;
  for (size_t i = 1; i < m->entries.size(); ++i) {
    FEDCLOAK_CHECK(m->entries[i - 1].site < m->entries[i].site);
  }
  fuzz::CheckSame(m->Encode(fuzz::Context(session)), input);
  return 0;
}
