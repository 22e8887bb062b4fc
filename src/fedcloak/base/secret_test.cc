#include "fedcloak/base/secret.h"

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "gtest/gtest.h"

namespace fedcloak {
namespace {

// Records, for every buffer released by the allocator, whether it was all zeros at the
// moment of release. The record is per test (reset in SetUp).
struct RecordingObserver {
  static inline std::vector<bool> released_zeroed;
  static inline size_t bytes_seen = 0;
  static void OnWiped(const void* data, size_t size) {
    const auto* p = static_cast<const uint8_t*>(data);
    released_zeroed.push_back(std::all_of(p, p + size, [](uint8_t b) { return b == 0; }));
    bytes_seen += size;
  }
};

using ObservedSecret = SecretVector<uint32_t, RecordingObserver>;

class SecretVectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RecordingObserver::released_zeroed.clear();
    RecordingObserver::bytes_seen = 0;
  }
};

TEST_F(SecretVectorTest, DestructionWipesBeforeRelease) {
  {
    ObservedSecret s(64, 0xdeadbeefu);
    EXPECT_EQ(s[63], 0xdeadbeefu);
  }
  ASSERT_EQ(RecordingObserver::released_zeroed.size(), 1u);
  EXPECT_TRUE(RecordingObserver::released_zeroed[0]);
  EXPECT_EQ(RecordingObserver::bytes_seen, 64 * sizeof(uint32_t));
}

TEST_F(SecretVectorTest, ReallocationWipesOldBuffer) {
  ObservedSecret s(4, 0x01020304u);
  s.resize(10000);  // forces a new buffer
  ASSERT_GE(RecordingObserver::released_zeroed.size(), 1u);
  EXPECT_TRUE(RecordingObserver::released_zeroed[0]);
  EXPECT_EQ(s[0], 0x01020304u);
}

TEST_F(SecretVectorTest, MoveAssignmentWipesOverwrittenValue) {
  ObservedSecret a(8, 7u);
  ObservedSecret b(8, 9u);
  a = std::move(b);
  ASSERT_EQ(RecordingObserver::released_zeroed.size(), 1u);
  EXPECT_TRUE(RecordingObserver::released_zeroed[0]);
  EXPECT_EQ(a[0], 9u);
}

TEST_F(SecretVectorTest, ExplicitWipeZeroesInPlace) {
  ObservedSecret s(16, 0xffffffffu);
  s.Wipe();
  EXPECT_EQ(s.size(), 16u);
  for (uint32_t v : s) EXPECT_EQ(v, 0u);
}

TEST(SecretVectorTypeTest, IsMoveOnlyAndHasNoStreamOutput) {
  static_assert(!std::is_copy_constructible_v<SecretBytes>);
  static_assert(!std::is_copy_assignable_v<SecretBytes>);
  static_assert(std::is_nothrow_move_constructible_v<SecretBytes>);
  SecretBytes a(3, 1);
  SecretBytes b = a.Clone();
  EXPECT_TRUE(a == b);
}

TEST(SecretVectorTypeTest, ConstantTimeEqualityIsCorrect) {
  SecretBytes a(32, 0x5a);
  SecretBytes b(32, 0x5a);
  EXPECT_TRUE(a.Equals(b));
  // A difference in any single byte, first or last or middle, is detected.
  for (size_t i : {size_t{0}, size_t{15}, size_t{31}}) {
    SecretBytes c = a.Clone();
    c[i] ^= 0x01;
    EXPECT_FALSE(a.Equals(c)) << "difference at byte " << i;
  }
  SecretBytes shorter(31, 0x5a);
  EXPECT_FALSE(a.Equals(shorter));
  EXPECT_TRUE(SecretBytes().Equals(SecretBytes()));
}

TEST(ConstantTimeBytesEqualTest, MatchesMemcmpOnAllSingleBitFlips) {
  std::vector<uint8_t> x(40);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<uint8_t>(i * 37 + 11);
  for (size_t byte = 0; byte < x.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<uint8_t> y = x;
      y[byte] = static_cast<uint8_t>(y[byte] ^ (1u << bit));
      EXPECT_FALSE(internal::ConstantTimeBytesEqual(x.data(), y.data(), x.size()));
    }
  }
  EXPECT_TRUE(internal::ConstantTimeBytesEqual(x.data(), x.data(), x.size()));
}

}  // namespace
}  // namespace fedcloak
