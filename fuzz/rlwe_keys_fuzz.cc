// Fuzz target for the key-generation loaders: PublicKeyShare::Load (0x0111),
// CollectivePublicKey::Load (0x0112) and ReadKeyShareRouting (0x0113). No crash, and
// accepted keys re-serialize to the input bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "fedcloak/base/check.h"
#include "fedcloak/crypto/rlwe/public_key.h"
#include "fedcloak/crypto/rlwe/threshold_party.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fedcloak::crypto;  // NOLINT
  static const auto ctx = *RlweContext::Create(RlweParameters::Default());
  const std::span<const uint8_t> input(data, size);
  fedcloak::SessionId session;
  if (auto share = PublicKeyShare::Load(ctx, input, session); share.ok()) {
    const auto again = share->Serialize();
    FEDCLOAK_CHECK(std::equal(again.begin(), again.end(), input.begin(), input.end()));
  }
  if (auto key = CollectivePublicKey::Load(ctx, input, session); key.ok()) {
    const auto again = key->Serialize();
    FEDCLOAK_CHECK(std::equal(again.begin(), again.end(), input.begin(), input.end()));
  }
  (void)ReadKeyShareRouting(input);
  return 0;
}
