#include "fedcloak/base/status.h"

#include <memory>
#include <string>

#include "fedcloak/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::IsOkAndHolds;
using ::fedcloak::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

absl::StatusOr<int> Half(int x) {
  if (x % 2 != 0) return absl::InvalidArgumentError("odd: " + std::to_string(x));
  return x / 2;
}

absl::StatusOr<int> Quarter(int x) {
  FEDCLOAK_ASSIGN_OR_RETURN(int h, Half(x));
  FEDCLOAK_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

absl::Status CheckEven(int x, int* calls) {
  ++*calls;
  FEDCLOAK_RETURN_IF_ERROR(Half(x).status());
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<int>> MakeBox(int v) { return std::make_unique<int>(v); }

absl::StatusOr<int> Unbox(int v) {
  FEDCLOAK_ASSIGN_OR_RETURN(std::unique_ptr<int> box, MakeBox(v));  // move-only value
  return *box;
}

TEST(StatusMacrosTest, AssignOrReturnPropagatesValueAndError) {
  EXPECT_THAT(Quarter(8), IsOkAndHolds(2));
  EXPECT_THAT(Quarter(6), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("odd: 3")));
  EXPECT_THAT(Quarter(5), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("odd: 5")));
  EXPECT_THAT(Unbox(7), IsOkAndHolds(7));
}

TEST(StatusMacrosTest, ReturnIfErrorStopsAtFirstError) {
  int calls = 0;
  EXPECT_THAT(CheckEven(4, &calls), IsOk());
  EXPECT_THAT(CheckEven(3, &calls), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(calls, 2);
}

TEST(StatusMatchersTest, MatchersRejectWhatTheyShould) {
  EXPECT_THAT(absl::DataLossError("x"), Not(IsOk()));
  EXPECT_THAT(absl::DataLossError("x"), Not(StatusIs(absl::StatusCode::kInvalidArgument)));
  EXPECT_THAT(absl::DataLossError("abc"),
              Not(StatusIs(absl::StatusCode::kDataLoss, HasSubstr("zzz"))));
  EXPECT_THAT(Half(4), Not(IsOkAndHolds(3)));
  EXPECT_THAT(Half(3), Not(IsOkAndHolds(1)));
}

}  // namespace
}  // namespace fedcloak
