#include "fedcloak/fl/messages.h"

#include <cmath>
#include <limits>

#include "fedcloak/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::fl {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::HasSubstr;

SessionId Session(uint8_t b) {
  SessionId s;
  s.bytes.fill(b);
  return s;
}

ModelBroadcast SampleBroadcast() {
  ModelBroadcast m;
  m.mode = AggregationMode::kSecAgg;
  m.train.round = 5;
  m.train.seed = 99;
  m.train.epochs = 2;
  m.train.batch_size = 64;
  m.train.learning_rate = 0.05;
  m.train.momentum = 0.9;
  m.train.fedprox_mu = 0.01;
  m.encoding.clip = 1.0;
  m.encoding.scale = 1024.0;
  m.encoding.max_total_weight = 4096;
  m.params = {1.5f, -2.0f, 0.25f};
  return m;
}

TEST(MessagesTest, ModelBroadcastRoundTrip) {
  const auto blob = EncodeModelBroadcast(SampleBroadcast(), Session(1));
  auto m = DecodeModelBroadcast(blob, Session(1), 5);
  ASSERT_THAT(m, IsOk());
  EXPECT_EQ(m->mode, AggregationMode::kSecAgg);
  EXPECT_EQ(m->train.seed, 99u);
  EXPECT_EQ(m->train.epochs, 2u);
  EXPECT_EQ(m->train.batch_size, 64u);
  EXPECT_DOUBLE_EQ(m->train.learning_rate, 0.05);
  EXPECT_DOUBLE_EQ(m->train.fedprox_mu, 0.01);
  EXPECT_DOUBLE_EQ(m->encoding.scale, 1024.0);
  EXPECT_EQ(m->encoding.max_total_weight, 4096u);
  EXPECT_EQ(m->params, SampleBroadcast().params);
}

TEST(MessagesTest, WrongSessionOrRoundIsRefused) {
  const auto blob = EncodeModelBroadcast(SampleBroadcast(), Session(1));
  EXPECT_THAT(DecodeModelBroadcast(blob, Session(2), 5),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("session")));
  EXPECT_THAT(DecodeModelBroadcast(blob, Session(1), 6),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("round is 5, expected 6")));
}

TEST(MessagesTest, EveryTruncationIsRefused) {
  const auto blob = EncodePlainUpdate({{1.0f, 2.0f}, 3, 0.5}, Session(1), 1);
  for (size_t n = 0; n < blob.size(); ++n) {
    EXPECT_FALSE(DecodePlainUpdate(std::span(blob.data(), n), Session(1), 1, 2).ok()) << n;
  }
  EXPECT_THAT(DecodePlainUpdate(blob, Session(1), 1, 2), IsOk());
}

TEST(MessagesTest, NonFiniteValuesAndWrongSizesAreRefused) {
  LocalUpdate u{{1.0f, std::numeric_limits<float>::quiet_NaN()}, 3, 0.5};
  EXPECT_THAT(DecodePlainUpdate(EncodePlainUpdate(u, Session(1), 1), Session(1), 1, 2),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("update[1]")));
  LocalUpdate ok{{1.0f, 2.0f}, 3, 0.5};
  EXPECT_THAT(
      DecodePlainUpdate(EncodePlainUpdate(ok, Session(1), 1), Session(1), 1, 3),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("2 parameters, the model has 3")));
  ModelBroadcast m = SampleBroadcast();
  m.train.learning_rate = std::numeric_limits<double>::infinity();
  EXPECT_THAT(DecodeModelBroadcast(EncodeModelBroadcast(m, Session(1)), Session(1), 5),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("learning rate")));
}

TEST(MessagesTest, OversizedParameterCountIsRefusedBeforeAllocation) {
  auto blob = EncodePlainUpdate({{1.0f}, 1, 0.0}, Session(1), 1);
  // The float count sits right after the 72-byte header, example count and loss.
  const size_t count_offset = kBlobHeaderSize + 16;
  for (int i = 0; i < 8; ++i) blob[count_offset + static_cast<size_t>(i)] = 0xff;
  EXPECT_THAT(DecodePlainUpdate(blob, Session(1), 1, 1),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("exceeds the limit")));
}

TEST(MessagesTest, EvalResultRoundTripWithOptionalMetrics) {
  LocalMetrics m;
  m.loss = 0.3;
  m.accuracy = 0.9;
  m.auc = 0.95;
  m.recall = 0.8;
  m.num_examples = 17;
  auto back = DecodeEvalResult(EncodeEvalResult(m, Session(3), 2), Session(3), 2);
  ASSERT_THAT(back, IsOk());
  EXPECT_DOUBLE_EQ(back->loss, 0.3);
  EXPECT_DOUBLE_EQ(*back->auc, 0.95);
  EXPECT_FALSE(back->precision.has_value());
  EXPECT_DOUBLE_EQ(*back->recall, 0.8);
  EXPECT_EQ(back->num_examples, 17u);
}

}  // namespace
}  // namespace fedcloak::fl
