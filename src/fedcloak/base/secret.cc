#include "fedcloak/base/secret.h"

#include <sodium.h>

namespace fedcloak::internal {

void SecureWipe(void* data, size_t size) {
  if (size != 0) sodium_memzero(data, size);
}

bool ConstantTimeBytesEqual(const void* a, const void* b, size_t size) {
  if (size == 0) return true;
  return sodium_memcmp(a, b, size) == 0;
}

}  // namespace fedcloak::internal
