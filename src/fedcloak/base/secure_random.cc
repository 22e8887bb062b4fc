#include "fedcloak/base/secure_random.h"

#include <sodium.h>

#include <bit>
#include <cstring>

#include "fedcloak/base/check.h"

namespace fedcloak {

uint32_t SecureRandom::NextU32() {
  uint8_t buf[4];
  Fill(buf);
  uint32_t v;
  std::memcpy(&v, buf, sizeof(v));
  return v;
}

uint64_t SecureRandom::NextU64() {
  uint8_t buf[8];
  Fill(buf);
  uint64_t v;
  std::memcpy(&v, buf, sizeof(v));
  return v;
}

uint64_t SecureRandom::UniformBelow(uint64_t bound) {
  FEDCLOAK_CHECK(bound > 0, "UniformBelow needs a positive bound");
  if (bound == 1) return 0;
  // Draw with the smallest mask that covers bound - 1 and reject values >= bound:
  // fewer than two draws on average.
  const uint64_t mask = ~uint64_t{0} >> std::countl_zero(bound - 1);
  for (;;) {
    const uint64_t v = NextU64() & mask;
    if (v < bound) return v;
  }
}

SystemRandom::SystemRandom() {
  FEDCLOAK_CHECK(sodium_init() >= 0, "libsodium failed to initialize");
}

void SystemRandom::Fill(std::span<uint8_t> out) {
  if (!out.empty()) randombytes_buf(out.data(), out.size());
}

SecureRandom& DefaultRandom() {
  static SystemRandom* const random = new SystemRandom();
  return *random;
}

}  // namespace fedcloak
