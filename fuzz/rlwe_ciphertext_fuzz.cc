// Fuzz target for CiphertextVector::Load (blob kind 0x0114). Beyond "no crash": an
// accepted vector re-serializes to exactly the input bytes (the encoding is canonical).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "fedcloak/base/check.h"
#include "fedcloak/crypto/rlwe/ciphertext_vector.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fedcloak::crypto;  // NOLINT
  static const auto ctx = *RlweContext::Create(RlweParameters::Default());
  const std::span<const uint8_t> input(data, size);
  fedcloak::SessionId session;  // the corpus uses the all-zero session, round 0
  auto loaded = CiphertextVector::Load(ctx, input, {session, 0, std::nullopt});
  if (!loaded.ok()) return 0;
  const std::vector<uint8_t> again = loaded->Serialize();
  FEDCLOAK_CHECK(again.size() == size && std::equal(again.begin(), again.end(), data),
                 "re-serialization differs");
  return 0;
}
