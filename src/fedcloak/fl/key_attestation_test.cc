// Attested enrolment (key_attestation.h): sites sign their enrolled keys, the coordinator
// relays the credentials, and sites refuse keys a coordinator substituted. The attestor
// here signs with a per-site Ed25519 key known to every verifier (module net does the
// same with X.509 certificates; see net/certificate_attestation_test.cc).
#include "fedcloak/fl/key_attestation.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fedcloak/base/prg.h"
#include "fedcloak/base/status.h"
#include "fedcloak/base/status_matchers.h"
#include "fedcloak/crypto/ed25519.h"
#include "fedcloak/fl/engine.h"
#include "fedcloak/fl/he_aggregation.h"
#include "fedcloak/fl/in_process_site.h"
#include "fedcloak/fl/secagg_aggregation.h"
#include "fedcloak/fl/secure_messages.h"
#include "fedcloak/fl/simulation.h"
#include "fedcloak/fl/site_runtime.h"
#include "fedcloak/fl/testing_learners.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::fl {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::HasSubstr;

constexpr size_t kSites = 5;
constexpr size_t kParams = 16;

crypto::Ed25519KeyPair KeyFor(const std::string& name) {
  std::array<uint8_t, 32> seed{};
  Prg prg(seed, "test.attestation/" + name);
  return crypto::Ed25519KeyPair::Generate(prg);
}

class TestAttestor final : public KeyAttestor {
 public:
  explicit TestAttestor(const std::string& signer) : key_(KeyFor(signer)) {}
  absl::StatusOr<std::vector<uint8_t>> Attest(std::span<const uint8_t> statement) override {
    const crypto::Ed25519Signature sig = key_.Sign(statement);
    return std::vector<uint8_t>(sig.begin(), sig.end());
  }

 private:
  crypto::Ed25519KeyPair key_;
};

class TestVerifier final : public KeyVerifier {
 public:
  absl::Status Verify(std::string_view site, std::span<const uint8_t> statement,
                      std::span<const uint8_t> attestation) const override {
    if (attestation.size() != crypto::kEd25519SignatureSize) {
      return absl::DataLossError("attestation has the wrong size");
    }
    const crypto::Ed25519KeyPair key = KeyFor(std::string(site));
    return crypto::Ed25519Verify(key.public_key(), statement,
                                 attestation.first<crypto::kEd25519SignatureSize>());
  }
};

// Plays a malicious coordinator: replaces the keys in one site's enrolment with keys of
// its own choosing, keeping the site's attestation.
class SubstitutingHandler final : public TaskHandler {
 public:
  SubstitutingHandler(std::unique_ptr<TaskHandler> inner, SessionId session)
      : inner_(std::move(inner)), session_(session) {}
  absl::StatusOr<TaskResult> Handle(const Task& task) override {
    FEDCLOAK_ASSIGN_OR_RETURN(TaskResult r, inner_->Handle(task));
    if (task.kind != TaskKind::kEnroll) return r;
    FEDCLOAK_ASSIGN_OR_RETURN(Enrollment e, DecodeEnrollment(r.payload, session_));
    std::array<uint8_t, 32> seed{};
    seed[0] = 0xee;
    Prg prg(seed, "test.attacker");
    e.identity_key = crypto::Ed25519KeyPair::Generate(prg).public_key();
    e.transport_key = crypto::X25519KeyPair::Generate(prg).public_key();
    r.payload = EncodeEnrollment(e, session_);
    return r;
  }

 private:
  std::unique_ptr<TaskHandler> inner_;
  SessionId session_;
};

struct SiteSetup {
  bool attest = true;            // the site has an attestor
  bool verify = true;            // the site checks the others' credentials
  std::string signer;            // whose key the attestor signs with (default: own)
  bool substitute_keys = false;  // the coordinator swaps this site's keys
};

class KeyAttestationTest : public ::testing::TestWithParam<AggregationMode> {
 protected:
  // Builds the sites and an engine for GetParam(); `coordinator_verifies` sets the
  // engine's verifier. Returns Setup()'s status.
  absl::Status Start(const std::vector<SiteSetup>& setups, bool coordinator_verifies) {
    session_.bytes[0] = 0x42;
    std::vector<SiteHandle*> handles;
    for (size_t i = 0; i < setups.size(); ++i) {
      const std::string name = SimulatedSiteName(i);
      learners_.push_back(std::make_unique<testing::QuadraticLearner>(
          std::vector<float>(kParams, static_cast<float>(i)), 10));
      auto runtime =
          std::make_unique<SiteRuntime>(SiteIdentity{name, static_cast<uint32_t>(i + 1)}, session_,
                                        learners_.back().get(), &DefaultRandom());
      attestors_.push_back(
          std::make_unique<TestAttestor>(setups[i].signer.empty() ? name : setups[i].signer));
      runtime->set_key_attestation(setups[i].attest ? attestors_.back().get() : nullptr,
                                   setups[i].verify ? &verifier_ : nullptr);
      std::unique_ptr<TaskHandler> handler = std::move(runtime);
      if (setups[i].substitute_keys) {
        handler = std::make_unique<SubstitutingHandler>(std::move(handler), session_);
      }
      sites_.push_back(std::make_unique<InProcessSite>(name, std::move(handler)));
      handles.push_back(sites_.back().get());
    }
    std::unique_ptr<Aggregation> aggregation;
    if (GetParam() == AggregationMode::kSecAgg) {
      SecAggOptions o;
      o.min_survivors = 3;
      o.threshold = 3;  // neighbours 0: the complete graph
      aggregation = std::make_unique<SecAggAggregation>(o);
    } else {
      HeOptions o;
      o.min_survivors = 3;
      o.threshold = 3;
      aggregation = std::make_unique<HeAggregation>(o);
    }
    EngineOptions eo;
    eo.train.learning_rate = 1.0;
    eo.encoding.clip = 8.0;
    eo.encoding.scale = 1 << 16;
    eo.encoding.max_total_weight = 1000;
    eo.federated_evaluation = false;
    eo.min_sites = 3;
    auto engine = Engine::Create(eo, handles, std::move(aggregation),
                                 *CreateStrategy(StrategyConfig::Defaults(StrategyKind::kFedAvg)),
                                 std::vector<float>(kParams, 0.0f), session_, &pool_);
    EXPECT_THAT(engine, IsOk());
    engine_ = *std::move(engine);
    if (coordinator_verifies) engine_->set_key_verifier(&verifier_);
    return engine_->Setup();
  }

  SessionId session_;
  TestVerifier verifier_;
  std::vector<std::unique_ptr<testing::QuadraticLearner>> learners_;
  std::vector<std::unique_ptr<TestAttestor>> attestors_;
  std::vector<std::unique_ptr<InProcessSite>> sites_;
  std::unique_ptr<Engine> engine_;
  WorkerPool pool_{2};
};

TEST_P(KeyAttestationTest, AttestedSessionRunsRounds) {
  ASSERT_THAT(Start(std::vector<SiteSetup>(kSites), /*coordinator_verifies=*/true), IsOk());
  EXPECT_EQ(engine_->EnrolledSites().size(), kSites);
  for (uint64_t round = 1; round <= 2; ++round) {
    const RoundRecord r = engine_->RunRound(round);
    ASSERT_THAT(r.status, IsOk()) << "round " << round;
    EXPECT_EQ(r.survivors.size(), kSites);
    // Mean of the centers 0..4 (equal weights): 2.
    EXPECT_NEAR(engine_->global_model()[0], 2.0, 1e-3);
  }
}

TEST_P(KeyAttestationTest, SubstitutedKeysAreRefusedBySites) {
  std::vector<SiteSetup> setups(kSites);
  setups[1].substitute_keys = true;
  // The coordinator is the attacker here: it does not check, and relays what it likes.
  const absl::Status setup = Start(setups, /*coordinator_verifies=*/false);
  if (GetParam() == AggregationMode::kHe) {
    // Every other site refuses to send key shares under the substituted key.
    EXPECT_THAT(setup, StatusIs(absl::StatusCode::kFailedPrecondition,
                                HasSubstr("site-1, site-2, site-3, site-4, site-5")));
    return;
  }
  ASSERT_THAT(setup, IsOk());
  const RoundRecord r = engine_->RunRound(1);
  EXPECT_FALSE(r.status.ok()) << "a site accepted a substituted identity key";
  EXPECT_EQ(engine_->global_model()[0], 0.0f);
}

TEST_P(KeyAttestationTest, WithoutVerifiersTheSubstitutionWouldGoThrough) {
  // The same attack against sites that do not check (as in the simulator): it succeeds,
  // which is what the check above prevents.
  std::vector<SiteSetup> setups(kSites);
  for (SiteSetup& s : setups) s.verify = false;
  setups[1].substitute_keys = true;
  const absl::Status setup = Start(setups, /*coordinator_verifies=*/false);
  if (GetParam() == AggregationMode::kHe) {
    // Only the victim notices (its own key is not at its position), after the others
    // have already sealed key shares to the attacker's key.
    EXPECT_THAT(setup, StatusIs(absl::StatusCode::kFailedPrecondition,
                                ::testing::EndsWith("no valid answer from site-2")));
    return;
  }
  ASSERT_THAT(setup, IsOk());
  // The victim drops out (the setup does not carry its key); the others accept the
  // attacker's key and the round completes without the victim.
  const RoundRecord r = engine_->RunRound(1);
  ASSERT_THAT(r.status, IsOk());
  EXPECT_EQ(r.survivors.size(), kSites - 1);
  EXPECT_THAT(r.dropouts, ::testing::Contains("site-2"));
}

TEST_P(KeyAttestationTest, CoordinatorLeavesOutAnUnattestedSite) {
  std::vector<SiteSetup> setups(kSites);
  setups[3].signer = "someone-else";  // a signature that does not verify for site-3
  const absl::Status setup = Start(setups, /*coordinator_verifies=*/true);
  if (GetParam() == AggregationMode::kHe) {
    // HE needs every party of the key: the setup fails, naming the site.
    EXPECT_THAT(setup, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("site-4")));
  } else {
    ASSERT_THAT(setup, IsOk());
  }
  EXPECT_EQ(engine_->EnrolledSites().size(), kSites - 1);
  if (GetParam() == AggregationMode::kSecAgg) {
    const RoundRecord r = engine_->RunRound(1);
    ASSERT_THAT(r.status, IsOk());
    EXPECT_EQ(r.survivors.size(), kSites - 1);
    EXPECT_THAT(r.dropouts, ::testing::Contains("site-4"));
  }
}

TEST_P(KeyAttestationTest, SitesRefuseSetupsWithoutCredentials) {
  // No site attests, but the sites check: the coordinator relays no credentials, and no
  // site uses keys it cannot check.
  std::vector<SiteSetup> setups(kSites);
  for (SiteSetup& s : setups) s.attest = false;
  const absl::Status setup = Start(setups, /*coordinator_verifies=*/false);
  if (GetParam() == AggregationMode::kHe) {
    EXPECT_THAT(setup, StatusIs(absl::StatusCode::kFailedPrecondition));
    return;
  }
  ASSERT_THAT(setup, IsOk());
  EXPECT_FALSE(engine_->RunRound(1).status.ok());
}

INSTANTIATE_TEST_SUITE_P(Modes, KeyAttestationTest,
                         ::testing::Values(AggregationMode::kSecAgg, AggregationMode::kHe),
                         [](const auto& param_info) {
                           return param_info.param == AggregationMode::kSecAgg ? "SecAgg" : "He";
                         });

TEST(SecureMessagesTest, SetupCredentialsRoundTripAndAreBounded) {
  SessionId session;
  session.bytes[3] = 7;
  SecAggSetup s{2, 1, 2, 10, 1, {}, {}};
  s.identity_keys.resize(2);
  s.identity_keys[1][0] = 5;
  for (int i = 0; i < 2; ++i) {
    PartyCredential c;
    c.name = "site-" + std::to_string(i);
    c.enrollment.identity_key = s.identity_keys[static_cast<size_t>(i)];
    c.enrollment.attestation = {1, 2, 3};
    s.credentials.push_back(c);
  }
  auto blob = EncodeSecAggSetup(s, session, 4);
  auto back = DecodeSecAggSetup(blob, session, 4);
  ASSERT_THAT(back, IsOk());
  ASSERT_EQ(back->credentials.size(), 2u);
  EXPECT_EQ(back->credentials[1].name, "site-1");
  EXPECT_EQ(back->credentials[1].enrollment.identity_key[0], 5);
  EXPECT_EQ(back->credentials[0].enrollment.attestation, (std::vector<uint8_t>{1, 2, 3}));
  // Every truncation is refused (the blob header's length catches most; the credential
  // reader the rest), never a crash.
  for (size_t cut = 1; cut < blob.size(); ++cut) {
    std::vector<uint8_t> shorter(blob.begin(), blob.end() - static_cast<std::ptrdiff_t>(cut));
    EXPECT_FALSE(DecodeSecAggSetup(shorter, session, 4).ok()) << "cut " << cut;
  }
  // A credential count that is neither 0 nor the number of sites.
  s.credentials.pop_back();
  EXPECT_THAT(DecodeSecAggSetup(EncodeSecAggSetup(s, session, 4), session, 4),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("1 credentials for 2 parties")));
}

TEST(SecureMessagesTest, EnrollmentStatementBindsSessionNameAndKeys) {
  SessionId a, b;
  b.bytes[0] = 1;
  Enrollment e;
  const auto base = EnrollmentStatement(a, "site-1", e);
  EXPECT_NE(base, EnrollmentStatement(b, "site-1", e));
  EXPECT_NE(base, EnrollmentStatement(a, "site-2", e));
  Enrollment f = e;
  f.transport_key[31] = 1;
  EXPECT_NE(base, EnrollmentStatement(a, "site-1", f));
  f = e;
  f.identity_key[0] = 1;
  EXPECT_NE(base, EnrollmentStatement(a, "site-1", f));
  // The attestation itself is not part of the statement.
  f = e;
  f.attestation = {9};
  EXPECT_EQ(base, EnrollmentStatement(a, "site-1", f));
}

}  // namespace
}  // namespace fedcloak::fl
