// Fuzz target for DecryptionShare::Load (blob kind 0x0115): no crash, and an accepted
// share re-serializes to the input bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "fedcloak/base/check.h"
#include "fedcloak/crypto/rlwe/decryption_share.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fedcloak::crypto;  // NOLINT
  static const auto ctx = *RlweContext::Create(RlweParameters::Default());
  fedcloak::SessionId session;
  auto loaded = DecryptionShare::Load(*ctx, std::span<const uint8_t>(data, size), session, 0);
  if (!loaded.ok()) return 0;
  const std::vector<uint8_t> again = loaded->Serialize(*ctx);
  FEDCLOAK_CHECK(again.size() == size && std::equal(again.begin(), again.end(), data),
                 "re-serialization differs");
  return 0;
}
