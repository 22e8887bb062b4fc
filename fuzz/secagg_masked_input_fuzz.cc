// Fuzz target for the SecAgg+ MaskedInput loader (see secagg_fuzz_common.h).
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz/secagg_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fedcloak::secagg;
  const std::span<const uint8_t> input(data, size);
  auto m = MaskedInputView::Parse(input, fuzz::Params(), fuzz::kRound, fuzz::Session());
  if (!m.ok()) return 0;
  std::vector<uint32_t> values;
  for (size_t i = 0; i < fuzz::Params().masked_length(); ++i) values.push_back(m->At(i));
  fuzz::CheckSame(EncodeMaskedInput(m->sender, values, fuzz::Context()), input);
  return 0;
}
