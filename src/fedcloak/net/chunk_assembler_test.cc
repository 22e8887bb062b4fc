#include "fedcloak/net/chunk_assembler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fedcloak/base/status_matchers.h"
#include "fedcloak/net/test_pki.h"

namespace fedcloak::net {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::HasSubstr;

ChunkHeader Header(uint64_t total, uint64_t offset) {
  return ChunkHeader{.task_id = 7, .round = 3, .kind = 1, .total_size = total, .offset = offset};
}

// Property: splitting with ForEachChunk and reassembling gives the payload back, with
// every chunk within the limit, for sizes around the chunk boundaries.
TEST(NetChunkAssemblerTest, SplitThenAssembleIsIdentity) {
  const ChunkLimits limits{.max_chunk_bytes = 16, .max_payload_bytes = 1000};
  for (size_t size : std::vector<size_t>{0, 1, 15, 16, 17, 32, 33, 999, 1000}) {
    SCOPED_TRACE(size);
    const std::vector<uint8_t> payload = testing::PatternBytes(size, 5);
    std::optional<PayloadAssembler> assembler;
    int chunks = 0;
    ASSERT_TRUE(ForEachChunk(
        payload, limits.max_chunk_bytes, [&](uint64_t offset, std::span<const uint8_t> data) {
          ++chunks;
          EXPECT_LE(data.size(), limits.max_chunk_bytes);
          if (!assembler) {
            auto begun = PayloadAssembler::Begin(Header(size, offset), data, limits);
            EXPECT_THAT(begun, IsOk());
            assembler.emplace(std::move(*begun));
          } else {
            EXPECT_THAT(assembler->Append(Header(size, offset), data), IsOk());
          }
          return true;
        }));
    // ceil(size / 16), and one chunk for the empty payload.
    EXPECT_EQ(chunks, size == 0 ? 1 : static_cast<int>((size + 15) / 16));
    ASSERT_TRUE(assembler->complete());
    EXPECT_EQ(std::move(*assembler).TakePayload(), payload);
  }
}

TEST(NetChunkAssemblerTest, ForEachChunkStopsWhenEmitFails) {
  const std::vector<uint8_t> payload(100);
  int calls = 0;
  EXPECT_FALSE(
      ForEachChunk(payload, 10, [&](uint64_t, std::span<const uint8_t>) { return ++calls < 3; }));
  EXPECT_EQ(calls, 3);
}

TEST(NetChunkAssemblerTest, BeginRejectsBadFirstChunks) {
  const ChunkLimits limits{.max_chunk_bytes = 8, .max_payload_bytes = 100};
  const std::vector<uint8_t> nine(9), four(4);
  EXPECT_THAT(PayloadAssembler::Begin(Header(20, 0), nine, limits),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("chunk of 9 bytes")));
  EXPECT_THAT(PayloadAssembler::Begin(Header(101, 0), four, limits),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("payload of 101 bytes")));
  EXPECT_THAT(PayloadAssembler::Begin(Header(20, 4), four, limits),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("out of order")));
  EXPECT_THAT(PayloadAssembler::Begin(Header(3, 0), four, limits),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("runs past")));
  EXPECT_THAT(PayloadAssembler::Begin(Header(3, 0), {}, limits),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty chunk")));
}

TEST(NetChunkAssemblerTest, AppendRejectsOutOfOrderDuplicateAndInconsistentChunks) {
  const ChunkLimits limits{.max_chunk_bytes = 4, .max_payload_bytes = 100};
  const std::vector<uint8_t> four(4, 1), five(5);
  auto begun = PayloadAssembler::Begin(Header(8, 0), four, limits);
  ASSERT_THAT(begun, IsOk());
  PayloadAssembler& a = *begun;
  EXPECT_THAT(a.Append(Header(8, 0), four),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected offset 4")));
  EXPECT_THAT(a.Append(Header(8, 8), four), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(a.Append(Header(9, 4), four),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("differs")));
  ChunkHeader wrong_round = Header(8, 4);
  wrong_round.round = 4;
  EXPECT_THAT(a.Append(wrong_round, four),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("round 4")));
  EXPECT_THAT(a.Append(Header(8, 4), five), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(a.Append(Header(8, 4), {}), StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_THAT(a.Append(Header(8, 4), four), IsOk());
  EXPECT_TRUE(a.complete());
  EXPECT_THAT(a.Append(Header(8, 8), four),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("duplicate")));
}

TEST(NetChunkAssemblerTest, AppendRejectsDataPastTheEnd) {
  const ChunkLimits limits{.max_chunk_bytes = 4, .max_payload_bytes = 100};
  const std::vector<uint8_t> four(4);
  auto a = PayloadAssembler::Begin(Header(6, 0), four, limits);
  ASSERT_THAT(a, IsOk());
  EXPECT_THAT(a->Append(Header(6, 4), four),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not fit")));
  EXPECT_EQ(a->received(), 4u);
}

}  // namespace
}  // namespace fedcloak::net
