#include "fedcloak/net/backoff.h"

#include <algorithm>
#include <cstdint>

#include "fedcloak/base/check.h"

namespace fedcloak::net {

absl::Duration BackoffDelay(int attempt, absl::Duration initial, absl::Duration max,
                            SecureRandom& random) {
  FEDCLOAK_CHECK(initial > absl::ZeroDuration() && initial <= max && attempt >= 0);
  absl::Duration d = initial;
  for (int i = 0; i < attempt && d < max; ++i) d *= 2;
  d = std::min(d, max);
  const uint64_t half_us = static_cast<uint64_t>(absl::ToInt64Microseconds(d / 2));
  return d / 2 + absl::Microseconds(static_cast<int64_t>(random.UniformBelow(half_us + 1)));
}

}  // namespace fedcloak::net
