#include "fedcloak/base/blob.h"

#include <cstring>
#include <vector>

#include "fedcloak/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::HasSubstr;

BlobHeader SampleHeader() {
  BlobHeader h;
  h.kind = 0x0101;
  h.parameter_id = 0x1122334455667788ull;
  h.round = 42;
  for (size_t i = 0; i < h.session.bytes.size(); ++i) {
    h.session.bytes[i] = static_cast<uint8_t>(0xa0 + i);
  }
  return h;
}

std::vector<uint8_t> SamplePayload() { return {1, 2, 3, 4, 5, 6, 7, 8, 9}; }

void PutU64At(std::vector<uint8_t>& b, size_t offset, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    b[offset + static_cast<size_t>(i)] = static_cast<uint8_t>(v >> (8 * i));
}

TEST(BlobTest, RoundTrip) {
  const std::vector<uint8_t> payload = SamplePayload();
  const std::vector<uint8_t> blob = EncodeBlob(SampleHeader(), payload);
  ASSERT_EQ(blob.size(), kBlobHeaderSize + payload.size());
  auto view = ParseBlob(blob);
  ASSERT_THAT(view, IsOk());
  BlobHeader expected = SampleHeader();
  expected.payload_length = payload.size();
  EXPECT_EQ(view->header, expected);
  EXPECT_EQ(std::vector<uint8_t>(view->payload.begin(), view->payload.end()), payload);
}

TEST(BlobTest, LayoutMatchesWireFormatDoc) {
  // doc/wire_format.md: magic at 0, header size at 4, version at 6, kind at 8, flags at
  // 10, reserved at 12, parameter id at 16, round at 24, session at 32, length at 64.
  const std::vector<uint8_t> blob = EncodeBlob(SampleHeader(), SamplePayload());
  EXPECT_EQ(std::memcmp(blob.data(), "FCLK", 4), 0);
  EXPECT_EQ(blob[4], 72);
  EXPECT_EQ(blob[5], 0);
  EXPECT_EQ(blob[6], 1);
  EXPECT_EQ(blob[8], 0x01);
  EXPECT_EQ(blob[9], 0x01);
  EXPECT_EQ(blob[16], 0x88);
  EXPECT_EQ(blob[23], 0x11);
  EXPECT_EQ(blob[24], 42);
  EXPECT_EQ(blob[32], 0xa0);
  EXPECT_EQ(blob[63], 0xa0 + 31);
  EXPECT_EQ(blob[64], 9);
}

TEST(BlobTest, EveryTruncationIsDataLoss) {
  const std::vector<uint8_t> blob = EncodeBlob(SampleHeader(), SamplePayload());
  for (size_t n = 0; n < blob.size(); ++n) {
    std::span<const uint8_t> prefix(blob.data(), n);
    EXPECT_THAT(ParseBlob(prefix), StatusIs(absl::StatusCode::kDataLoss)) << "length " << n;
  }
}

TEST(BlobTest, TrailingBytesAreDataLoss) {
  std::vector<uint8_t> blob = EncodeBlob(SampleHeader(), SamplePayload());
  blob.push_back(0);
  EXPECT_THAT(ParseBlob(blob), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("10 follow")));
}

TEST(BlobTest, WrongMagicIsDataLoss) {
  std::vector<uint8_t> blob = EncodeBlob(SampleHeader(), SamplePayload());
  blob[0] = 'X';
  EXPECT_THAT(ParseBlob(blob), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("magic")));
}

TEST(BlobTest, FutureVersionIsRefusedByName) {
  std::vector<uint8_t> blob = EncodeBlob(SampleHeader(), SamplePayload());
  blob[6] = 2;
  EXPECT_THAT(ParseBlob(blob), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("format version 2 is not supported")));
}

TEST(BlobTest, WrongHeaderSizeIsDataLoss) {
  std::vector<uint8_t> blob = EncodeBlob(SampleHeader(), SamplePayload());
  blob[4] = 80;
  EXPECT_THAT(ParseBlob(blob),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("header size is 80")));
}

TEST(BlobTest, ReservedBitsAndZeroKindAreDataLoss) {
  for (size_t offset : {size_t{8}, size_t{10}, size_t{12}, size_t{15}}) {
    std::vector<uint8_t> blob = EncodeBlob(SampleHeader(), SamplePayload());
    if (offset == 8) {
      blob[8] = 0;
      blob[9] = 0;
    } else {
      blob[offset] = 1;
    }
    EXPECT_THAT(ParseBlob(blob), StatusIs(absl::StatusCode::kDataLoss)) << "offset " << offset;
  }
}

TEST(BlobTest, OversizedLengthIsRefusedBeforeAllocation) {
  std::vector<uint8_t> blob = EncodeBlob(SampleHeader(), SamplePayload());
  PutU64At(blob, 64, uint64_t{1} << 40);
  EXPECT_THAT(ParseBlobHeader(blob),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("exceeds the limit")));
  BlobLimits small;
  small.max_payload_length = 8;
  std::vector<uint8_t> ok = EncodeBlob(SampleHeader(), SamplePayload());
  EXPECT_THAT(ParseBlob(ok, small), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("payload length 9 exceeds the limit of 8")));
}

TEST(BlobTest, LengthOverflowDoesNotWrap) {
  // A length near 2^64 must not wrap around header + length arithmetic.
  std::vector<uint8_t> blob = EncodeBlob(SampleHeader(), SamplePayload());
  PutU64At(blob, 64, ~uint64_t{0});
  BlobLimits unlimited;
  unlimited.max_payload_length = ~uint64_t{0};
  EXPECT_THAT(ParseBlob(blob, unlimited), StatusIs(absl::StatusCode::kDataLoss));
  PutU64At(blob, 64, ~uint64_t{0} - kBlobHeaderSize + 10);
  EXPECT_THAT(ParseBlob(blob, unlimited), StatusIs(absl::StatusCode::kDataLoss));
}

TEST(BlobTest, CheckHeaderNamesTheMismatch) {
  const BlobHeader h = SampleHeader();
  BlobExpectation e;
  e.kind = h.kind;
  EXPECT_THAT(CheckBlobHeader(h, e), IsOk());
  e.parameter_id = h.parameter_id;
  e.session = h.session;
  e.round = h.round;
  EXPECT_THAT(CheckBlobHeader(h, e), IsOk());

  BlobExpectation wrong_kind = e;
  wrong_kind.kind = 0x0102;
  EXPECT_THAT(CheckBlobHeader(h, wrong_kind),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("kind")));
  BlobExpectation wrong_params = e;
  wrong_params.parameter_id = 7;
  EXPECT_THAT(CheckBlobHeader(h, wrong_params),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("parameter id")));
  BlobExpectation wrong_session = e;
  wrong_session.session->bytes[0] ^= 1;
  EXPECT_THAT(CheckBlobHeader(h, wrong_session),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("session")));
  BlobExpectation wrong_round = e;
  wrong_round.round = 41;
  EXPECT_THAT(CheckBlobHeader(h, wrong_round),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("round is 42, expected 41")));
}

}  // namespace
}  // namespace fedcloak
