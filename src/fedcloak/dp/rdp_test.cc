#include "fedcloak/dp/rdp.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "fedcloak/base/status_matchers.h"
#include "fedcloak/dp/discrete_gaussian_rdp.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::dp {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;

// Published values. TF Privacy = github.com/tensorflow/privacy,
// tensorflow_privacy/privacy/analysis/rdp_accountant_test.py.

TEST(DpRdpTest, TfPrivacyScalar) {
  // TF Privacy test_compute_rdp_scalar:
  //   rdp_scalar = rdp_accountant.compute_rdp(0.1, 2, 10, 5)
  //   self.assertAlmostEqual(rdp_scalar, 0.07737, places=5)
  auto rdp = SubsampledGaussianRdp(0.1, 2, 10, std::vector<double>{5});
  ASSERT_THAT(rdp, IsOk());
  EXPECT_NEAR((*rdp)[0], 0.07737, 5e-6);
}

TEST(DpRdpTest, TfPrivacySequence) {
  // TF Privacy test_compute_rdp_sequence:
  //   rdp_vec = rdp_accountant.compute_rdp(0.01, 2.5, 50, [1.5, 2.5, 5, 50, 100, np.inf])
  //   [0.00065, 0.001085, 0.00218075, 0.023846, 167.416307, np.inf], delta=1e-5
  const std::vector<double> orders = {1.5, 2.5, 5,
                                      50,  100, std::numeric_limits<double>::infinity()};
  const std::vector<double> expected = {
      0.00065, 0.001085, 0.00218075, 0.023846, 167.416307, std::numeric_limits<double>::infinity()};
  auto rdp = SubsampledGaussianRdp(0.01, 2.5, 50, orders);
  ASSERT_THAT(rdp, IsOk());
  for (size_t i = 0; i + 1 < orders.size(); ++i) {
    EXPECT_NEAR((*rdp)[i], expected[i], 1e-5) << "order " << orders[i];
  }
  EXPECT_TRUE(std::isinf(rdp->back()));
}

TEST(DpRdpTest, FractionalOrdersMatchNumericalIntegration) {
  // log(A_alpha) / (alpha - 1) with A_alpha = integral of N(x; 0, s^2) *
  // ((1-q) + q exp((2x-1)/(2 s^2)))^alpha dx, integrated by mpmath.quad at 40 digits
  // (the check TF Privacy's test_compute_log_a_equals_mp makes, run here offline).
  struct Case {
    double q, sigma, order, rdp;
  };
  for (const Case& c :
       {Case{0.01, 2.5, 2.5, 2.17083611383625e-5}, Case{1e-4, 1.0, 1.5, 1.28853739076733e-8},
        Case{0.04, 1.5, 3.7, 0.00172981249000544}, Case{0.2, 0.8, 7.25, 3.79738151236912},
        Case{0.04, 1.5, 4, 0.00188534006444578}}) {
    auto rdp = SubsampledGaussianRdp(c.q, c.sigma, c.order);
    ASSERT_THAT(rdp, IsOk());
    // log A is near 0 for tiny RDP, so double precision leaves ~1e-15 absolute error.
    EXPECT_NEAR(*rdp, c.rdp, std::max(1e-9 * c.rdp, 1e-14))
        << c.q << " " << c.sigma << " " << c.order;
  }
}

TEST(DpRdpTest, PlainGaussianClosedForm) {
  // q = 1: RDP = alpha / (2 sigma^2). TF Privacy test_compute_rdp_no_sampling:
  //   self.assertEqual(rdp_accountant.compute_rdp(1, 10, 1, 20), 0.1)
  EXPECT_THAT(SubsampledGaussianRdp(1, 10, 20), ::fedcloak::testing::IsOkAndHolds(0.1));
  for (double sigma : {0.5, 1.1, 4.0}) {
    for (double alpha : {1.5, 2.0, 10.0, 63.0}) {
      auto rdp = SubsampledGaussianRdp(1, sigma, alpha);
      ASSERT_THAT(rdp, IsOk());
      EXPECT_DOUBLE_EQ(*rdp, alpha / (2 * sigma * sigma));
    }
  }
  // TF Privacy test_compute_rdp_no_data: q = 0 gives 0.
  EXPECT_THAT(SubsampledGaussianRdp(0, 10, 20), ::fedcloak::testing::IsOkAndHolds(0.0));
}

TEST(DpRdpTest, ConversionConstantRdp) {
  // TF Privacy test_get_privacy_spent_check_target_delta:
  //   orders = range(2, 33); rdp = [1.1 for o in orders]
  //   eps, _, opt_order = get_privacy_spent(orders, rdp, target_delta=1e-5)
  //   self.assertEqual(opt_order, 32); self.assertAlmostEqual(eps, 1.32783806176)
  std::vector<double> orders, rdp;
  for (int a = 2; a < 33; ++a) {
    orders.push_back(a);
    rdp.push_back(1.1);
  }
  auto eps = RdpToEpsilon(orders, rdp, 1e-5);
  ASSERT_THAT(eps, IsOk());
  EXPECT_EQ(eps->order, 32);
  EXPECT_NEAR(eps->epsilon, 1.32783806176, 5e-8);
}

TEST(DpRdpTest, ConversionGaussianIsOneAtOneInAMillion) {
  // TF Privacy test_get_privacy_spent_check_target_delta (second part):
  //   orders = [0.001*i for i in range(1000, 100000)]
  //   rdp = compute_rdp(1, 4.530877117, 1, orders)
  //   # Scale is chosen to obtain exactly (1,1e-6)-DP.
  //   eps, _, _ = get_privacy_spent(orders, rdp, target_delta=1e-6); assertAlmostEqual(eps, 1)
  // (order 1.000 is skipped here: orders must exceed 1, and it is never the best.)
  std::vector<double> orders;
  for (int i = 1001; i < 100000; ++i) orders.push_back(0.001 * i);
  auto rdp = SubsampledGaussianRdp(1, 4.530877117, 1, orders);
  ASSERT_THAT(rdp, IsOk());
  auto eps = RdpToEpsilon(orders, *rdp, 1e-6);
  ASSERT_THAT(eps, IsOk());
  EXPECT_NEAR(eps->epsilon, 1.0, 5e-8);
}

TEST(DpRdpTest, OpacusRdpAccountant) {
  // github.com/pytorch/opacus, opacus/tests/accountants_test.py, test_rdp_accountant:
  //   noise_multiplier = 1.5; sample_rate = 0.04; steps = int(90 / 0.04)  (= 2250)
  //   epsilon = accountant.get_epsilon(delta=1e-5)
  //   self.assertAlmostEqual(epsilon, 7.32911117143)
  // with RDPAccountant.DEFAULT_ALPHAS = [1 + x / 10.0 for x in range(1, 100)] +
  // list(range(12, 64)) (opacus/accountants/rdp.py).
  std::vector<double> alphas;
  for (int x = 1; x < 100; ++x) alphas.push_back(1 + x / 10.0);
  for (int a = 12; a < 64; ++a) alphas.push_back(a);
  auto rdp = SubsampledGaussianRdp(0.04, 1.5, 2250, alphas);
  ASSERT_THAT(rdp, IsOk());
  auto eps = RdpToEpsilon(alphas, *rdp, 1e-5);
  ASSERT_THAT(eps, IsOk());
  EXPECT_NEAR(eps->epsilon, 7.32911117143, 5e-8);
}

TEST(DpRdpTest, RejectsBadInputs) {
  EXPECT_THAT(SubsampledGaussianRdp(1.5, 1, 2), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SubsampledGaussianRdp(0.1, 0, 2), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SubsampledGaussianRdp(0.1, 1, 1), StatusIs(absl::StatusCode::kInvalidArgument));
  const std::vector<double> orders = {2, 3};
  EXPECT_THAT(RdpToEpsilon(orders, std::vector<double>{1}, 1e-5),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RdpToEpsilon(orders, std::vector<double>{1, -1}, 1e-5),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RdpToEpsilon(orders, std::vector<double>{1, 1}, 0),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RdpToEpsilon(orders, std::vector<double>{1, 1}, 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(DpDdgRdpTest, TauClosedForm) {
  // n = 2 shares, sigma = 1: tau = 10 exp(-2 pi^2 * 1/2) = 10 exp(-pi^2).
  EXPECT_NEAR(DdgTau(1.0, 2), 10 * std::exp(-std::numbers::pi * std::numbers::pi), 1e-18);
  EXPECT_EQ(DdgTau(1.0, 1), 0.0);
  // Large sigma: tau vanishes (exp(-2 pi^2 100 / 2) underflows).
  EXPECT_EQ(DdgTau(10.0, 100), 0.0);
}

TEST(DpDdgRdpTest, WithoutTauItIsTheGaussian) {
  // tau = 0 and q = 1: eps(alpha) = alpha/2 * l2^2, the Gaussian with z = 1 / l2.
  DdgRoundParams p{/*l1_scale=*/10, /*l2_scale=*/0.5, /*tau=*/0, /*dimension=*/1024};
  for (double alpha : {1.5, 2.0, 8.0, 32.0}) {
    auto ddg = DistributedDiscreteGaussianRdp(p, 1.0, alpha);
    auto gauss = SubsampledGaussianRdp(1.0, 2.0, alpha);
    ASSERT_THAT(ddg, IsOk());
    ASSERT_THAT(gauss, IsOk());
    EXPECT_DOUBLE_EQ(*ddg, *gauss);
  }
}

TEST(DpDdgRdpTest, TauTermsOfProposition14) {
  // Hand evaluation of the three terms at alpha = 4, l2 = 0.5, l1 = 3, tau = 1e-4,
  // d = 100: term1 = 2*0.25 + 0.01 = 0.51; term2 = 2*(0.25 + 6e-4 + 1e-6) = 0.501202;
  // term3 = 2*(0.5 + 0.001)^2 = 0.502002. The minimum is term2.
  DdgRoundParams p{/*l1_scale=*/3, /*l2_scale=*/0.5, /*tau=*/1e-4, /*dimension=*/100};
  auto rdp = DistributedDiscreteGaussianRdp(p, 1.0, 4);
  ASSERT_THAT(rdp, IsOk());
  EXPECT_NEAR(*rdp, 0.501202, 1e-12);
}

TEST(DpDdgRdpTest, SubsamplingBoundAtOrderTwo) {
  // Zhu-Wang Theorem 5 at alpha = 2 has two terms: (1-q)(2q - q + 1) + q^2 e^{eps(2)},
  // here with eps(2) = l2^2 = 1 (tau = 0): q = 0.1 gives (0.9 * 1.1 + 0.01 e) and
  // log(0.99 + 0.0271828...) = 0.017033... (hand computation).
  DdgRoundParams p{/*l1_scale=*/5, /*l2_scale=*/1, /*tau=*/0, /*dimension=*/64};
  auto rdp = DistributedDiscreteGaussianRdp(p, 0.1, 2);
  ASSERT_THAT(rdp, IsOk());
  EXPECT_NEAR(*rdp, std::log(0.99 + 0.01 * std::exp(1.0)), 1e-12);
  // The subsampled bound upper-bounds the exact subsampled Gaussian and is below q = 1.
  for (double alpha : {2.0, 3.0, 7.0, 20.0}) {
    auto sub = DistributedDiscreteGaussianRdp(p, 0.05, alpha);
    auto exact = SubsampledGaussianRdp(0.05, 1.0, alpha);
    auto full = DistributedDiscreteGaussianRdp(p, 1.0, alpha);
    ASSERT_THAT(sub, IsOk());
    EXPECT_GE(*sub, *exact * (1 - 1e-12)) << alpha;
    EXPECT_LE(*sub, *full) << alpha;
  }
  EXPECT_THAT(DistributedDiscreteGaussianRdp(p, 0, 2),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(DistributedDiscreteGaussianRdp(p, 0.5, 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace fedcloak::dp
