#include "fedcloak/base/bytes.h"

#include <vector>

#include "fedcloak/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::HasSubstr;

TEST(BytesTest, RoundTripAllWidths) {
  std::vector<uint8_t> buf;
  ByteWriter w(&buf);
  w.PutU8(0xab);
  w.PutU16(0xbeef);
  w.PutU32(0xdeadbeef);
  w.PutU64(0x0123456789abcdefull);
  w.PutString("hello");
  ASSERT_EQ(buf.size(), 1u + 2 + 4 + 8 + 4 + 5);
  EXPECT_EQ(buf[1], 0xef);  // little-endian

  ByteReader r(buf);
  uint8_t a;
  uint16_t b;
  uint32_t c;
  uint64_t d;
  std::string s;
  ASSERT_THAT(r.ReadU8("a", &a), IsOk());
  ASSERT_THAT(r.ReadU16("b", &b), IsOk());
  ASSERT_THAT(r.ReadU32("c", &c), IsOk());
  ASSERT_THAT(r.ReadU64("d", &d), IsOk());
  ASSERT_THAT(r.ReadString("s", 16, &s), IsOk());
  EXPECT_EQ(a, 0xab);
  EXPECT_EQ(b, 0xbeef);
  EXPECT_EQ(c, 0xdeadbeefu);
  EXPECT_EQ(d, 0x0123456789abcdefull);
  EXPECT_EQ(s, "hello");
  EXPECT_THAT(r.ExpectEnd("buffer"), IsOk());
}

TEST(BytesTest, ShortReadNamesFieldAndOffset) {
  std::vector<uint8_t> buf = {1, 2, 3};
  ByteReader r(buf);
  uint16_t v;
  ASSERT_THAT(r.ReadU16("first", &v), IsOk());
  uint32_t w;
  EXPECT_THAT(r.ReadU32("count", &w),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("truncated count: need 4 bytes at offset 2, have 1")));
}

TEST(BytesTest, LengthPrefixOverLimitIsRefused) {
  std::vector<uint8_t> buf;
  ByteWriter w(&buf);
  w.PutString("too long");
  ByteReader r(buf);
  std::string s;
  EXPECT_THAT(r.ReadString("name", 4, &s),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name length 8")));
}

TEST(BytesTest, TrailingBytesAreReported) {
  std::vector<uint8_t> buf = {1, 2};
  ByteReader r(buf);
  uint8_t v;
  ASSERT_THAT(r.ReadU8("x", &v), IsOk());
  EXPECT_THAT(r.ExpectEnd("message"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("1 trailing bytes")));
}

}  // namespace
}  // namespace fedcloak
