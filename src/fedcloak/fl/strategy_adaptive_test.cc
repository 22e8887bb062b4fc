// FedAdam, FedYogi and FedAdagrad against hand-computed steps (Reddi et al. 2021,
// Algorithm 2, with v_{-1} = tau^2), and the crash-resume state of every strategy.
// The intermediate values in the comments were worked out by hand and re-checked with
// a few lines of python3 (float64) applying the formulas of the paper.
#include <bit>
#include <cmath>
#include <limits>
#include <vector>

#include "fedcloak/base/blob.h"
#include "fedcloak/base/bytes.h"
#include "fedcloak/base/check.h"
#include "fedcloak/base/status_matchers.h"
#include "fedcloak/fl/strategy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::fl {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::FloatNear;
using ::testing::HasSubstr;
using K = StrategyKind;

std::unique_ptr<Strategy> Make(const StrategyConfig& config) {
  auto s = CreateStrategy(config);
  FEDCLOAK_CHECK(s.ok(), "CreateStrategy failed");
  return *std::move(s);
}

StrategyConfig Config(K kind, double eta, double b1, double b2, double tau) {
  StrategyConfig c = StrategyConfig::Defaults(kind);
  c.server_lr = eta;
  c.beta1 = b1;
  c.beta2 = b2;
  c.tau = tau;
  return c;
}

std::vector<float> Step(Strategy& s, const std::vector<float>& x, std::vector<double> delta) {
  auto out = s.Apply(x, AggregatedUpdate{std::move(delta), 10, 3});
  FEDCLOAK_CHECK(out.ok(), "Apply failed");
  return *out;
}

TEST(FlStrategyAdaptiveTest, FedAdamHandComputed) {
  // eta 0.1, beta1 0.9, beta2 0.99, tau 1e-3, v_{-1} = 1e-6, x0 = [0.5, -0.25].
  // Round 1, Delta = [0.2, -0.05]:
  //   m = 0.1 * Delta = [0.02, -0.005]
  //   v = 0.99 * 1e-6 + 0.01 * Delta^2 = [0.00040099, 0.00002599]
  //   sqrt(v) = [0.02002474, 0.00509804]
  //   x1 = [0.5 + 0.002 / 0.02102474, -0.25 - 0.0005 / 0.00609804]
  //      = [0.59512605, -0.33199357]
  // Round 2, Delta = [-0.1, -0.05]:
  //   m = 0.9 * m + 0.1 * Delta = [0.008, -0.0095]
  //   v = 0.99 * v + 0.01 * Delta^2 = [0.00049698010, 0.0000507301]
  //   x2 = x1 + 0.1 * m / (sqrt(v) + 1e-3) = [0.62947106, -0.44895254]
  auto s = Make(Config(K::kFedAdam, 0.1, 0.9, 0.99, 1e-3));
  auto x1 = Step(*s, {0.5f, -0.25f}, {0.2, -0.05});
  EXPECT_THAT(x1, ElementsAre(FloatNear(0.59512605f, 2e-7f), FloatNear(-0.33199357f, 2e-7f)));
  auto x2 = Step(*s, x1, {-0.1, -0.05});
  EXPECT_THAT(x2, ElementsAre(FloatNear(0.62947106f, 2e-7f), FloatNear(-0.44895254f, 2e-7f)));
}

TEST(FlStrategyAdaptiveTest, FedYogiHandComputedCoversAllSigns) {
  // eta 0.01, beta1 0.9, beta2 0.99, tau 1e-3, v_{-1} = 1e-6, x0 = [0, 0].
  // Round 1, Delta = [0.2, 0.001], Delta^2 = [0.04, 1e-6]:
  //   coord 0: v - D^2 < 0, sign -1: v = 1e-6 + 0.01 * 0.04 = 0.000401
  //   coord 1: v - D^2 = 0, sign 0:  v = 1e-6 (unchanged)
  //   m = [0.02, 0.0001]
  //   x1 = [0.01 * 0.02 / (0.02002498 + 0.001), 0.01 * 0.0001 / (0.001 + 0.001)]
  //      = [0.00951249, 0.0005]
  // Round 2, Delta = [0.001, 0.2]:
  //   coord 0: v = 0.000401 > 1e-6, sign +1: v = 0.000401 - 0.01 * 1e-6 = 0.00040099
  //   coord 1: v = 1e-6 < 0.04, sign -1:     v = 1e-6 + 0.0004 = 0.000401
  //   m = [0.9 * 0.02 + 0.0001, 0.9 * 0.0001 + 0.02] = [0.0181, 0.02009]
  //   x2 = x1 + 0.01 * m / (sqrt(v) + 1e-3) = [0.01812140, 0.01005530]
  auto s = Make(Config(K::kFedYogi, 0.01, 0.9, 0.99, 1e-3));
  auto x1 = Step(*s, {0.0f, 0.0f}, {0.2, 0.001});
  EXPECT_THAT(x1, ElementsAre(FloatNear(0.00951249f, 1e-8f), FloatNear(0.0005f, 1e-9f)));
  auto x2 = Step(*s, x1, {0.001, 0.2});
  EXPECT_THAT(x2, ElementsAre(FloatNear(0.01812140f, 1e-8f), FloatNear(0.01005530f, 1e-8f)));
}

TEST(FlStrategyAdaptiveTest, FedAdagradHandComputed) {
  // Defaults: eta 0.1, beta1 0 (m = Delta), tau 1e-9 (negligible here), x0 = [1, 1].
  // Round 1, Delta = [3, -4]: v = [9, 16]; x1 = [1 + 0.1 * 3/3, 1 - 0.1 * 4/4] = [1.1, 0.9].
  // Round 2, Delta = [4, 0]: v = [25, 16]; x2 = [1.1 + 0.1 * 4/5, 0.9 + 0] = [1.18, 0.9].
  auto s = Make(StrategyConfig::Defaults(K::kFedAdagrad));
  auto x1 = Step(*s, {1.0f, 1.0f}, {3.0, -4.0});
  EXPECT_THAT(x1, ElementsAre(FloatNear(1.1f, 1e-6f), FloatNear(0.9f, 1e-6f)));
  auto x2 = Step(*s, x1, {4.0, 0.0});
  EXPECT_THAT(x2, ElementsAre(FloatNear(1.18f, 1e-6f), FloatNear(0.9f, 1e-6f)));
}

// ---- crash-resume state -------------------------------------------------------------

class FlStrategyStateTest : public ::testing::TestWithParam<K> {};

TEST_P(FlStrategyStateTest, SaveLoadRoundTripContinuesIdentically) {
  const StrategyConfig config = StrategyConfig::Defaults(GetParam());
  auto a = Make(config);
  std::vector<float> x = {0.5f, -1.0f, 2.0f};
  x = Step(*a, x, {0.1, -0.2, 0.3});
  x = Step(*a, x, {-0.05, 0.4, 0.0});
  const std::vector<uint8_t> blob = a->SaveState();

  auto b = Make(config);
  ASSERT_THAT(b->LoadState(blob), IsOk());
  EXPECT_EQ(b->steps(), 2u);
  EXPECT_EQ(b->SaveState(), blob);
  // The resumed strategy takes exactly the step the original takes.
  EXPECT_EQ(Step(*a, x, {0.3, 0.3, -0.7}), Step(*b, x, {0.3, 0.3, -0.7}));
}

TEST_P(FlStrategyStateTest, FreshStateRoundTrips) {
  auto a = Make(StrategyConfig::Defaults(GetParam()));
  auto b = Make(StrategyConfig::Defaults(GetParam()));
  ASSERT_THAT(b->LoadState(a->SaveState()), IsOk());
  EXPECT_EQ(b->steps(), 0u);
}

TEST_P(FlStrategyStateTest, EveryTruncationIsRefused) {
  auto a = Make(StrategyConfig::Defaults(GetParam()));
  Step(*a, {1.0f, 2.0f}, {0.5, 0.5});
  const std::vector<uint8_t> blob = a->SaveState();
  auto b = Make(StrategyConfig::Defaults(GetParam()));
  for (size_t len = 0; len < blob.size(); ++len) {
    EXPECT_FALSE(b->LoadState(std::span(blob).first(len)).ok()) << "length " << len;
  }
  std::vector<uint8_t> longer = blob;
  longer.push_back(0);
  EXPECT_FALSE(b->LoadState(longer).ok());
  EXPECT_EQ(b->steps(), 0u);
}

TEST_P(FlStrategyStateTest, OtherStrategyOrHyperparametersRefused) {
  const K kind = GetParam();
  auto a = Make(StrategyConfig::Defaults(kind));
  const std::vector<uint8_t> blob = a->SaveState();
  const K other = kind == K::kFedYogi ? K::kFedAdam : K::kFedYogi;
  EXPECT_THAT(Make(StrategyConfig::Defaults(other))->LoadState(blob),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cannot be loaded")));
  StrategyConfig changed = StrategyConfig::Defaults(kind);
  changed.server_lr *= 2;
  EXPECT_THAT(Make(changed)->LoadState(blob),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("other hyperparameters")));
}

INSTANTIATE_TEST_SUITE_P(AllStrategies, FlStrategyStateTest,
                         ::testing::Values(K::kFedAvg, K::kFedAvgM, K::kFedProx, K::kFedAdam,
                                           K::kFedYogi, K::kFedAdagrad),
                         [](const ::testing::TestParamInfo<K>& p) {
                           return std::string(StrategyKindName(p.param));
                         });

// Hand-built FedAdam state blobs: header fields as SaveState writes them, payload as given.
class FlStrategyStateTamperTest : public ::testing::Test {
 protected:
  FlStrategyStateTamperTest() : adam_(Make(StrategyConfig::Defaults(K::kFedAdam))) {}

  std::vector<uint8_t> Blob(uint64_t steps, uint64_t dim, uint32_t vectors,
                            const std::vector<double>& values, uint64_t round) {
    std::vector<uint8_t> payload;
    ByteWriter w(&payload);
    w.PutU64(steps);
    w.PutU64(dim);
    w.PutU32(vectors);
    for (double v : values) w.PutU64(std::bit_cast<uint64_t>(v));
    BlobHeader h;
    h.kind = static_cast<ObjectKind>(kStrategyStateKindBase + 3);  // FedAdam
    h.parameter_id = adam_->StateParameterId();
    h.round = round;
    return EncodeBlob(h, payload);
  }

  std::unique_ptr<Strategy> adam_;
};

TEST_F(FlStrategyStateTamperTest, WellFormedHandBuiltBlobLoads) {
  // m = [0.5], v = [0.25], one step: the next step with Delta = 0 gives
  // m = 0.45, v = 0.2475, x = 0 + 0.1 * 0.45 / (0.497494 + 1e-9) = 0.0904534.
  ASSERT_THAT(adam_->LoadState(Blob(1, 1, 2, {0.5, 0.25}, 1)), IsOk());
  auto x = Step(*adam_, {0.0f}, {0.0});
  EXPECT_THAT(x, ElementsAre(FloatNear(0.0904534f, 1e-6f)));
}

TEST_F(FlStrategyStateTamperTest, CorruptPayloadsAreDataLoss) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    std::vector<uint8_t> blob;
    const char* message;
  };
  const std::vector<Case> cases = {
      {Blob(1, 1, 2, {nan, 0.25}, 1), "not allowed"},
      {Blob(1, 1, 2, {0.5, inf}, 1), "not allowed"},
      {Blob(1, 1, 2, {0.5, -0.25}, 1), "not allowed"},  // v < 0 is impossible
      {Blob(1, 1, 1, {0.5}, 1), "1 state vectors, expected 2"},
      {Blob(1, 1, 3, {0.5, 0.25, 0.1}, 1), "3 state vectors"},
      {Blob(1, 2, 2, {0.5, 0.25}, 1), "need 32"},
      {Blob(1, uint64_t{1} << 40, 2, {0.5, 0.25}, 1), "exceeds the maximum"},
      {Blob(2, 1, 2, {0.5, 0.25}, 1), "differ from header round"},
      {Blob(0, 1, 2, {0.5, 0.25}, 0), "inconsistent"},
      {Blob(1, 0, 2, {}, 1), "inconsistent"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(adam_->LoadState(c.blob),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr(c.message)))
        << c.message;
  }
  EXPECT_EQ(adam_->steps(), 0u);
}

TEST_F(FlStrategyStateTamperTest, HeaderTamperingRefused) {
  std::vector<uint8_t> blob = Blob(1, 1, 2, {0.5, 0.25}, 1);
  std::vector<uint8_t> bad_magic = blob;
  bad_magic[0] ^= 1;
  EXPECT_THAT(adam_->LoadState(bad_magic), StatusIs(absl::StatusCode::kDataLoss));

  BlobHeader with_session;
  ASSERT_THAT(ParseBlobHeader(blob), IsOk());
  with_session = *ParseBlobHeader(blob);
  with_session.session.bytes[0] = 1;
  std::vector<uint8_t> session_bound =
      EncodeBlob(with_session, std::span(blob).subspan(kBlobHeaderSize));
  EXPECT_THAT(adam_->LoadState(session_bound),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("session")));

  BlobHeader h;
  h.kind = 0x0200;  // a secagg object
  const std::vector<uint8_t> foreign = EncodeBlob(h, std::vector<uint8_t>(20, 0));
  EXPECT_THAT(adam_->LoadState(foreign),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a strategy state")));
  EXPECT_EQ(adam_->steps(), 0u);
}

}  // namespace
}  // namespace fedcloak::fl
