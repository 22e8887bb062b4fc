// Fuzz target for the SecAgg+ ShareKeys loader (see secagg_fuzz_common.h).
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz/secagg_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fedcloak::secagg;
  const std::span<const uint8_t> input(data, size);
  auto m = ShareKeys::Parse(input, fuzz::Params(), fuzz::kRound, fuzz::Session());
  if (!m.ok()) return 0;
  for (const SealedShare& s : m->shares) {
    FEDCLOAK_CHECK(s.peer != m->sender && s.ciphertext.size() == kShareCiphertextSize);
  }
  fuzz::CheckSame(m->Encode(fuzz::Context()), input);
  return 0;
}
