#include "fedcloak/net/backoff.h"

#include <gtest/gtest.h>

#include <array>

#include "fedcloak/base/prg.h"

namespace fedcloak::net {
namespace {

// Property: attempt n waits within [d/2, d] for d = min(max, initial * 2^n), and the
// draws are spread (not all at one end).
TEST(NetBackoffTest, DelaysDoubleUpToTheCapWithJitter) {
  std::array<uint8_t, 32> seed{};
  seed[0] = 17;
  Prg random(seed, "net.backoff.test");
  const absl::Duration initial = absl::Milliseconds(100);
  const absl::Duration max = absl::Seconds(3);
  // d for attempts 0..7: 100, 200, 400, 800, 1600, 3000 (capped), 3000, 3000 ms.
  const int64_t expected_ms[] = {100, 200, 400, 800, 1600, 3000, 3000, 3000};
  for (int attempt = 0; attempt < 8; ++attempt) {
    const absl::Duration d = absl::Milliseconds(expected_ms[attempt]);
    absl::Duration lowest = absl::InfiniteDuration(), highest = absl::ZeroDuration();
    for (int i = 0; i < 200; ++i) {
      const absl::Duration delay = BackoffDelay(attempt, initial, max, random);
      ASSERT_GE(delay, d / 2) << "attempt " << attempt;
      ASSERT_LE(delay, d) << "attempt " << attempt;
      lowest = std::min(lowest, delay);
      highest = std::max(highest, delay);
    }
    // 200 uniform draws leave no quarter of the range empty (chance ~ 2 * 0.75^200).
    EXPECT_LT(lowest, d / 2 + d / 8) << "attempt " << attempt;
    EXPECT_GT(highest, d - d / 8) << "attempt " << attempt;
  }
  // Very large attempt numbers do not overflow.
  EXPECT_LE(BackoffDelay(1000000, initial, max, random), max);
}

}  // namespace
}  // namespace fedcloak::net
