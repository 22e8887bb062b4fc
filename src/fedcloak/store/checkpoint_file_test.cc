#include "fedcloak/store/checkpoint_file.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>

#include "fedcloak/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::store {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

CheckpointContents Sample() {
  CheckpointContents c;
  c.run = 7;
  c.round = 12;
  c.model = {1.5f, -2.25f, 0.0f, 3e-8f};
  c.strategy_state = {9, 8, 7};
  c.extra = {1};
  return c;
}

TEST(StoreCheckpointFileTest, RoundTrips) {
  const auto bytes = EncodeCheckpoint(Sample());
  // 72-byte header + run 8 + count 8 + 4 floats + 8 + 3 + 8 + 1.
  EXPECT_EQ(bytes.size(), 72u + 8 + 8 + 16 + 8 + 3 + 8 + 1);
  auto c = DecodeCheckpoint(bytes, "mem");
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->run, 7);
  EXPECT_EQ(c->round, 12u);
  EXPECT_THAT(c->model, ElementsAre(1.5f, -2.25f, 0.0f, 3e-8f));
  EXPECT_THAT(c->strategy_state, ElementsAre(9, 8, 7));
  EXPECT_THAT(c->extra, ElementsAre(1));
}

TEST(StoreCheckpointFileTest, EveryTruncationAndTrailingByteIsDataLoss) {
  const auto bytes = EncodeCheckpoint(Sample());
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_THAT(DecodeCheckpoint(cut, "f.ckpt"),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr("f.ckpt")))
        << "length " << n;
  }
  auto longer = bytes;
  longer.push_back(0);
  EXPECT_THAT(DecodeCheckpoint(longer, "f.ckpt"), StatusIs(absl::StatusCode::kDataLoss));
}

TEST(StoreCheckpointFileTest, PayloadLengthFieldsAreBounded) {
  // Header payload length fixed, but the inner strategy-state length claims 2^60 bytes.
  auto bytes = EncodeCheckpoint(Sample());
  const size_t state_len_at = 72 + 8 + 8 + 16;
  bytes[state_len_at + 7] = 0x10;
  EXPECT_THAT(DecodeCheckpoint(bytes, "f"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("strategy state")));
  auto counted = EncodeCheckpoint(Sample());
  counted[72 + 8 + 7] = 0x40;  // model value count 2^62
  EXPECT_THAT(DecodeCheckpoint(counted, "f"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("model value count")));
}

TEST(StoreCheckpointFileTest, RejectsNonFiniteValuesAndOtherKinds) {
  auto c = Sample();
  c.model[1] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THAT(DecodeCheckpoint(EncodeCheckpoint(c), "f"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("model value 1 is not finite")));
  auto bytes = EncodeCheckpoint(Sample());
  bytes[8] = 0x02;  // kind 0x0502
  EXPECT_THAT(DecodeCheckpoint(bytes, "f"), StatusIs(absl::StatusCode::kInvalidArgument));
}

// fuzz/corpus/store_checkpoint/ is written by fuzz/make_store_checkpoint_corpus.py, an
// encoder of doc/wire_format.md independent of this one: both must agree byte for byte.
TEST(StoreCheckpointFileTest, MatchesTheIndependentPythonEncoder) {
  std::ifstream in("fuzz/corpus/store_checkpoint/valid_small", std::ios::binary);
  ASSERT_TRUE(in) << "run from the repository root (ctest does)";
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  auto c = DecodeCheckpoint(bytes, "valid_small");
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->run, 1);
  EXPECT_EQ(c->round, 5u);
  EXPECT_THAT(c->model, ElementsAre(0.5f, -1.25f, 3.0f));
  EXPECT_EQ(c->strategy_state.size(), 16u);
  EXPECT_THAT(c->extra, ElementsAre('x'));
  EXPECT_EQ(EncodeCheckpoint(*c), bytes);
  for (const char* broken : {"truncated", "trailing_byte", "nan_value", "huge_count"}) {
    std::ifstream b(std::string("fuzz/corpus/store_checkpoint/") + broken, std::ios::binary);
    const std::vector<uint8_t> data((std::istreambuf_iterator<char>(b)), {});
    EXPECT_THAT(DecodeCheckpoint(data, broken), StatusIs(absl::StatusCode::kDataLoss)) << broken;
  }
}

TEST(StoreCheckpointFileTest, Sha256KnownAnswer) {
  // FIPS 180-2, appendix B.1: SHA-256("abc").
  const std::vector<uint8_t> abc = {'a', 'b', 'c'};
  EXPECT_EQ(Sha256Hex(abc), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(StoreCheckpointFileTest, AtomicWriteReplacesAndReadChecksSize) {
  const std::string dir = ::testing::TempDir() + "/store_ckpt_atomic";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/x.bin";
  ASSERT_THAT(WriteFileAtomically(path, std::vector<uint8_t>{1, 2, 3}), IsOk());
  ASSERT_THAT(WriteFileAtomically(path, std::vector<uint8_t>{4, 5}), IsOk());
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  auto read = ReadFileOfSize(path, 2);
  ASSERT_THAT(read, IsOk());
  EXPECT_THAT(*read, ElementsAre(4, 5));
  EXPECT_THAT(ReadFileOfSize(path, 3),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("has 2 bytes, the store records 3")));
  EXPECT_THAT(ReadFileOfSize(dir + "/missing", 3),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("missing")));
  EXPECT_THAT(WriteFileAtomically(dir + "/no/such/dir/f", std::vector<uint8_t>{1}),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("cannot create")));
}

}  // namespace
}  // namespace fedcloak::store
