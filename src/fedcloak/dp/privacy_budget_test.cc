#include "fedcloak/dp/privacy_budget.h"

#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "fedcloak/base/status_matchers.h"
#include "fedcloak/dp/rdp.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::dp {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(DpPrivacyPlanningTest, MatchesOpacus) {
  // github.com/pytorch/opacus, opacus/tests/accountants_test.py, test_rdp_accountant:
  //   noise_multiplier = 1.5, sample_rate = 0.04, steps = int(90 / 0.04), delta = 1e-5
  //   self.assertAlmostEqual(epsilon, 7.32911117143)
  // DefaultRdpOrders() contains Opacus's orders; the optimum lies inside them.
  auto report = ComputeDpSgdPrivacy(0.04, 1.5, 2250, 1e-5);
  ASSERT_THAT(report, IsOk());
  EXPECT_NEAR(report->epsilon, 7.32911117143, 5e-8);
  EXPECT_GT(report->best_order, 1);
  EXPECT_LT(report->best_order, 63);
  EXPECT_EQ(report->steps, 2250u);
}

TEST(DpPrivacyPlanningTest, MoreStepsOrLessNoiseCostMore) {
  auto base = ComputeDpSgdPrivacy(0.01, 1.1, 1000, 1e-5);
  auto more_steps = ComputeDpSgdPrivacy(0.01, 1.1, 4000, 1e-5);
  auto less_noise = ComputeDpSgdPrivacy(0.01, 0.9, 1000, 1e-5);
  ASSERT_THAT(base, IsOk());
  EXPECT_GT(more_steps->epsilon, base->epsilon);
  EXPECT_GT(less_noise->epsilon, base->epsilon);
  EXPECT_EQ(ComputeDpSgdPrivacy(0.01, 1.1, 0, 1e-5)->epsilon, 0.0);
}

TEST(DpPrivacyPlanningTest, RejectsBadArguments) {
  EXPECT_THAT(ComputeDpSgdPrivacy(-0.1, 1, 10, 1e-5),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sampling rate")));
  EXPECT_THAT(ComputeDpSgdPrivacy(0.1, 0, 10, 1e-5),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("noise multiplier")));
  EXPECT_THAT(ComputeDpSgdPrivacy(0.1, 1, 10, 2),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("delta")));
}

TEST(DpPrivacyBudgetTest, ReportsEpsilonEachRoundAndStopsAtTheBudget) {
  auto budget = PrivacyBudget::Create(2.0, 1e-5);
  ASSERT_THAT(budget, IsOk());
  EXPECT_EQ(budget->epsilon(), 0.0);
  auto round = SubsampledGaussianRdp(0.05, 1.5, 1, budget->orders());
  ASSERT_THAT(round, IsOk());
  double previous = 0;
  uint64_t charged = 0;
  for (;;) {
    auto after = budget->ChargeRound(*round);
    if (!after.ok()) {
      EXPECT_THAT(after, StatusIs(absl::StatusCode::kFailedPrecondition,
                                  AllOf(HasSubstr(fmt::format("round {}", charged + 1)),
                                        HasSubstr("budget of 2"), HasSubstr("delta 1e-05"))));
      break;
    }
    ++charged;
    EXPECT_GT(after->epsilon, previous);
    EXPECT_LE(after->epsilon, 2.0);
    previous = after->epsilon;
    ASSERT_LT(charged, 100000u);
  }
  EXPECT_GT(charged, 10u);
  // The refused round changed nothing, and epsilon is that of `charged` compositions.
  EXPECT_EQ(budget->rounds(), charged);
  EXPECT_EQ(budget->epsilon(), previous);
  auto composed = SubsampledGaussianRdp(0.05, 1.5, charged, budget->orders());
  auto expected = RdpToEpsilon(budget->orders(), *composed, 1e-5);
  EXPECT_NEAR(budget->epsilon(), expected->epsilon, 1e-9);
  // One more round would exceed the budget; the preview says by how much.
  auto preview = budget->Preview(*round);
  ASSERT_THAT(preview, IsOk());
  EXPECT_GT(preview->epsilon, 2.0);
  EXPECT_THAT(budget->ChargeRound(*round), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(DpPrivacyBudgetTest, RejectsBadConfigurationAndCurves) {
  EXPECT_THAT(PrivacyBudget::Create(0, 1e-5), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PrivacyBudget::Create(1, 0), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PrivacyBudget::Create(1, 1e-5, {}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PrivacyBudget::Create(1, 1e-5, {0.5, 2}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  auto budget = PrivacyBudget::Create(1, 1e-5, {2, 4});
  ASSERT_THAT(budget, IsOk());
  EXPECT_THAT(budget->ChargeRound(std::vector<double>{0.1}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(budget->ChargeRound(std::vector<double>{0.1, -0.1}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(budget->rounds(), 0u);
}

}  // namespace
}  // namespace fedcloak::dp
