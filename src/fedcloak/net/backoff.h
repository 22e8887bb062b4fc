// Reconnect delays of the site agent: exponential backoff with "equal jitter", so that
// sites that lost the coordinator at the same moment do not all return at once.
#ifndef FEDCLOAK_NET_BACKOFF_H_
#define FEDCLOAK_NET_BACKOFF_H_

#include "absl/time/time.h"
#include "fedcloak/base/secure_random.h"

namespace fedcloak::net {

// The delay before reconnect attempt `attempt` (0, 1, ...): uniform in [d/2, d] with
// d = min(max, initial * 2^attempt), at microsecond granularity.
// REQUIRES: 0 < initial <= max, attempt >= 0.
absl::Duration BackoffDelay(int attempt, absl::Duration initial, absl::Duration max,
                            SecureRandom& random);

}  // namespace fedcloak::net

#endif  // FEDCLOAK_NET_BACKOFF_H_
