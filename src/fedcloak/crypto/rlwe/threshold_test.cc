// End-to-end tests of threshold RLWE encryption, in process: keygen among n parties
// through a simulated coordinator, encryption, aggregation, decryption by active sets.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <random>

#include "fedcloak/base/hex.h"
#include "fedcloak/base/prg.h"
#include "fedcloak/base/status.h"
#include "fedcloak/base/status_matchers.h"
#include "fedcloak/crypto/rlwe/decryption_share.h"
#include "fedcloak/crypto/rlwe/rlwe_serialization.h"
#include "fedcloak/crypto/rlwe/threshold_party.h"

namespace fedcloak::crypto {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::HasSubstr;

Prg TestPrg(uint64_t seed, std::string_view label) {
  std::array<uint8_t, 32> key{};
  for (int i = 0; i < 8; ++i) key[static_cast<size_t>(i)] = static_cast<uint8_t>(seed >> (8 * i));
  return Prg(key, label);
}

SessionId TestSession(uint8_t tag) {
  SessionId s;
  s.bytes.fill(tag);
  return s;
}

// n parties after a completed key generation.
struct Session {
  std::shared_ptr<const RlweContext> ctx;
  ThresholdConfig config;
  std::vector<ThresholdHeParty> parties;
  std::vector<std::vector<uint8_t>> public_key_shares;
  std::vector<std::vector<uint8_t>> envelopes;  // all, for tamper tests
};

Session MakeSession(const RlweParameters& params, uint32_t n, uint32_t t, uint64_t seed,
                    bool finish = true) {
  Session s;
  s.ctx = *RlweContext::Create(params);
  s.config = ThresholdConfig{TestSession(static_cast<uint8_t>(seed)), n, t};
  Prg rng = TestPrg(seed, "session");
  std::vector<X25519KeyPair> identities;
  std::vector<X25519PublicKey> keys;
  for (uint32_t i = 0; i < n; ++i) {
    identities.push_back(X25519KeyPair::Generate(rng));
    keys.push_back(identities.back().public_key());
  }
  for (uint32_t i = 0; i < n; ++i) {
    auto party = ThresholdHeParty::Create(s.ctx, s.config, i + 1, std::move(identities[i]), keys);
    EXPECT_TRUE(party.ok()) << party.status();
    s.parties.push_back(*std::move(party));
  }
  for (auto& party : s.parties) {
    auto message = party.StartKeyGeneration(rng);
    EXPECT_TRUE(message.ok()) << message.status();
    s.public_key_shares.push_back(message->public_key_share);
    for (auto& e : message->envelopes) s.envelopes.push_back(std::move(e));
  }
  if (!finish) return s;
  for (auto& party : s.parties) {
    std::vector<std::vector<uint8_t>> mine;
    for (const auto& e : s.envelopes) {
      if (ReadKeyShareRouting(e)->to == party.party_id()) mine.push_back(e);
    }
    EXPECT_THAT(party.FinishKeyGeneration(s.public_key_shares, mine), IsOk());
  }
  return s;
}

std::vector<uint32_t> RandomValues(size_t count, std::mt19937_64& gen) {
  std::vector<uint32_t> v(count);
  for (auto& x : v) x = static_cast<uint32_t>(gen());
  v[0] = 0;
  v[1] = 0xffffffffu;  // extremes
  v[count - 1] = 0xffffffffu;
  return v;
}

absl::StatusOr<std::vector<uint32_t>> Decrypt(Session& s, const CiphertextVector& aggregate,
                                              const std::vector<uint32_t>& set, Prg& rng) {
  std::vector<DecryptionShare> shares;
  for (uint32_t id : set) {
    FEDCLOAK_ASSIGN_OR_RETURN(auto blob, s.parties[id - 1].DecryptShare(aggregate, set, rng));
    FEDCLOAK_ASSIGN_OR_RETURN(
        auto share, DecryptionShare::Load(*s.ctx, blob, s.config.session, aggregate.round()));
    shares.push_back(std::move(share));
  }
  return CombineDecryptionShares(aggregate, shares, s.config.threshold);
}

struct E2eCase {
  uint32_t n;
  uint32_t t;
  size_t values;
};

class RlweThresholdE2eTest : public ::testing::TestWithParam<E2eCase> {};

TEST_P(RlweThresholdE2eTest, DecryptsExactSumThroughCoordinator) {
  const E2eCase c = GetParam();
  const uint64_t seed = 100 + c.n * 7 + c.t;
  Session s = MakeSession(RlweParameters::Default(), c.n, c.t, seed);
  // The coordinator's collective key equals every party's own.
  std::vector<PublicKeyShare> loaded;
  for (const auto& b : s.public_key_shares)
    loaded.push_back(*PublicKeyShare::Load(s.ctx, b, s.config.session));
  auto key = CollectivePublicKey::Aggregate(s.ctx, s.config.session, c.n, loaded);
  ASSERT_TRUE(key.ok());
  for (auto& p : s.parties) ASSERT_EQ(p.collective_key().Serialize(), key->Serialize());

  std::mt19937_64 gen(seed);
  Prg rng = TestPrg(seed, "e2e");
  const uint64_t round = 3;
  std::vector<uint32_t> expected(c.values, 0);
  CiphertextVector aggregate;
  std::vector<uint8_t> wire;
  for (uint32_t i = 0; i < c.n; ++i) {
    const std::vector<uint32_t> x = RandomValues(c.values, gen);
    for (size_t j = 0; j < c.values; ++j) expected[j] += x[j];  // mod 2^32
    auto ct = s.parties[i].Encrypt(x, round, rng);
    ASSERT_TRUE(ct.ok()) << ct.status();
    ct->Serialize(&wire);
    CiphertextVector loaded_ct;
    ASSERT_THAT(
        CiphertextVector::LoadInto(s.ctx, wire, {s.config.session, round, c.values}, &loaded_ct),
        IsOk());
    if (i == 0) {
      aggregate = std::move(loaded_ct);
    } else {
      ASSERT_THAT(aggregate.Add(loaded_ct), IsOk());
    }
  }
  // A random active set of exactly t parties, and (new round) all n parties.
  std::vector<uint32_t> ids(c.n);
  for (uint32_t i = 0; i < c.n; ++i) ids[i] = i + 1;
  std::shuffle(ids.begin(), ids.end(), gen);
  std::vector<uint32_t> set(ids.begin(), ids.begin() + c.t);
  std::sort(set.begin(), set.end());
  auto plain = Decrypt(s, aggregate, set, rng);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(*plain, expected) << "n " << c.n << " t " << c.t << " seed " << seed;
}

INSTANTIATE_TEST_SUITE_P(SitesAndThresholds, RlweThresholdE2eTest,
                         ::testing::Values(E2eCase{/*n=*/3, /*t=*/2, /*values=*/5000},
                                           E2eCase{/*n=*/3, /*t=*/3, /*values=*/100},
                                           E2eCase{/*n=*/5, /*t=*/3, /*values=*/4096},
                                           E2eCase{/*n=*/10, /*t=*/7, /*values=*/300},
                                           E2eCase{/*n=*/20, /*t=*/2, /*values=*/50},
                                           E2eCase{/*n=*/20, /*t=*/11, /*values=*/50},
                                           E2eCase{/*n=*/20, /*t=*/20, /*values=*/50}),
                         [](const ::testing::TestParamInfo<E2eCase>& param_info) {
                           return fmt::format("n{}_t{}", param_info.param.n, param_info.param.t);
                         });

TEST(RlweThresholdTest, EveryActiveSetOfSizeAtLeastTDecrypts) {
  const uint32_t n = 5, t = 3;
  Session s = MakeSession(RlweParameters::Default(), n, t, 21);
  Prg rng = TestPrg(21, "subsets");
  std::mt19937_64 gen(21);
  uint64_t round = 0;
  for (uint32_t mask = 1; mask < (1u << n); ++mask) {
    std::vector<uint32_t> set;
    for (uint32_t i = 0; i < n; ++i) {
      if (mask & (1u << i)) set.push_back(i + 1);
    }
    ++round;
    std::vector<uint32_t> expected(16, 0);
    CiphertextVector aggregate;
    for (uint32_t i = 0; i < n; ++i) {
      const auto x = RandomValues(16, gen);
      for (size_t j = 0; j < 16; ++j) expected[j] += x[j];
      auto ct = *s.parties[i].Encrypt(x, round, rng);
      if (i == 0)
        aggregate = std::move(ct);
      else
        ASSERT_THAT(aggregate.Add(ct), IsOk());
    }
    auto plain = Decrypt(s, aggregate, set, rng);
    if (set.size() >= t) {
      ASSERT_TRUE(plain.ok()) << plain.status() << " mask " << mask;
      EXPECT_EQ(*plain, expected) << "mask " << mask;
    } else {
      EXPECT_THAT(plain.status(), StatusIs(absl::StatusCode::kFailedPrecondition)) << mask;
    }
  }
}

TEST(RlweThresholdTest, WeightedSumIsExact) {
  Session s = MakeSession(RlweParameters::Default(), 4, 2, 31);
  Prg rng = TestPrg(31, "weights");
  std::mt19937_64 gen(31);
  const std::vector<uint32_t> weights = {1, 3, 7, 16};
  std::vector<uint32_t> expected(200, 0);
  CiphertextVector aggregate;
  for (size_t i = 0; i < 4; ++i) {
    const auto x = RandomValues(200, gen);
    for (size_t j = 0; j < 200; ++j) expected[j] += weights[i] * x[j];
    auto ct = *s.parties[i].Encrypt(x, 1, rng);
    ASSERT_THAT(ct.MultiplyByScalar(weights[i]), IsOk());
    if (i == 0)
      aggregate = std::move(ct);
    else
      ASSERT_THAT(aggregate.Add(ct), IsOk());
  }
  EXPECT_EQ(aggregate.noise_weight(), 1u + 9 + 49 + 256);
  auto plain = Decrypt(s, aggregate, {2, 4}, rng);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(*plain, expected);
}

TEST(RlweThresholdTest, RefusesBelowThresholdAndSecondActiveSet) {
  Session s = MakeSession(RlweParameters::Default(), 4, 3, 41);
  Prg rng = TestPrg(41, "refuse");
  const std::vector<uint32_t> x(10, 5);
  CiphertextVector aggregate = *s.parties[0].Encrypt(x, 9, rng);
  // t - 1 = 2 parties: each party refuses, and so does the combiner.
  EXPECT_THAT(s.parties[0].DecryptShare(aggregate, std::vector<uint32_t>{1, 2}, rng).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("below the threshold")));
  std::vector<DecryptionShare> shares;
  const std::vector<uint32_t> set = {1, 2, 3};
  for (uint32_t id : {1u, 2u}) {
    auto blob = s.parties[id - 1].DecryptShare(aggregate, set, rng);
    ASSERT_TRUE(blob.ok()) << blob.status();
    shares.push_back(*DecryptionShare::Load(*s.ctx, *blob, s.config.session, 9));
  }
  EXPECT_THAT(CombineDecryptionShares(aggregate, shares, 3).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // A second, different active set for the same round is refused ...
  EXPECT_THAT(s.parties[0].DecryptShare(aggregate, std::vector<uint32_t>{1, 2, 4}, rng).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("another active set")));
  // ... the same set gets the identical bytes (no fresh noise) ...
  auto again = s.parties[0].DecryptShare(aggregate, set, rng);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, shares[0].Serialize(*s.ctx));
  // ... and completing the set decrypts.
  shares.push_back(*DecryptionShare::Load(*s.ctx, *s.parties[2].DecryptShare(aggregate, set, rng),
                                          s.config.session, 9));
  EXPECT_EQ(*CombineDecryptionShares(aggregate, shares, 3), x);
  // Mixed active sets are rejected by the combiner.
  auto other = s.parties[3].DecryptShare(aggregate, std::vector<uint32_t>{2, 3, 4}, rng);
  ASSERT_TRUE(other.ok());
  shares[2] = *DecryptionShare::Load(*s.ctx, *other, s.config.session, 9);
  EXPECT_THAT(CombineDecryptionShares(aggregate, shares, 3).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("another active set")));
}

TEST(RlweThresholdTest, LoadersRejectWrongIdsTamperingAndTruncation) {
  Session s = MakeSession(RlweParameters::Default(), 3, 2, 51);
  Prg rng = TestPrg(51, "tamper");
  const std::vector<uint32_t> x(5000, 1);
  const std::vector<uint8_t> wire = s.parties[0].Encrypt(x, 4, rng)->Serialize();
  const CiphertextExpectation good{s.config.session, 4, 5000};
  ASSERT_TRUE(CiphertextVector::Load(s.ctx, wire, good).ok());
  EXPECT_THAT(CiphertextVector::Load(s.ctx, wire, {s.config.session, 5, 5000}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("round")));
  EXPECT_THAT(CiphertextVector::Load(s.ctx, wire, {TestSession(99), 4, 5000}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("session")));
  EXPECT_THAT(CiphertextVector::Load(s.ctx, wire, {s.config.session, 4, 4999}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  auto other_ctx = *RlweContext::Create(RlweParameters::Default8192());
  EXPECT_THAT(CiphertextVector::Load(other_ctx, wire, good).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("parameter id")));
  std::vector<uint8_t> truncated(wire.begin(), wire.end() - 1);
  EXPECT_THAT(CiphertextVector::Load(s.ctx, truncated, good).status(),
              StatusIs(absl::StatusCode::kDataLoss));
  // A coefficient >= q: set the first packed c0 coefficient to all ones.
  std::vector<uint8_t> tampered = wire;
  for (size_t i = kBlobHeaderSize + 16; i < kBlobHeaderSize + 16 + 7; ++i) tampered[i] = 0xff;
  EXPECT_THAT(CiphertextVector::Load(s.ctx, tampered, good).status(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("ciphertext c0")));
  // A noise weight beyond the parameters.
  tampered = wire;
  tampered[kBlobHeaderSize + 8 + 7] = 0x7f;
  EXPECT_THAT(CiphertextVector::Load(s.ctx, tampered, good).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("noise weight")));

  // Decryption share with a wrong round, and truncated.
  const CiphertextVector ct = *CiphertextVector::Load(s.ctx, wire, good);
  const auto share = *s.parties[1].DecryptShare(ct, std::vector<uint32_t>{1, 2}, rng);
  EXPECT_TRUE(DecryptionShare::Load(*s.ctx, share, s.config.session, 4).ok());
  EXPECT_THAT(DecryptionShare::Load(*s.ctx, share, s.config.session, 5).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("round")));
  EXPECT_THAT(
      DecryptionShare::Load(*s.ctx, std::span(share).first(share.size() - 3), s.config.session, 4)
          .status(),
      StatusIs(absl::StatusCode::kDataLoss));
}

TEST(RlweThresholdTest, KeyGenerationDetectsTamperedRelay) {
  Session s = MakeSession(RlweParameters::Default(), 3, 2, 61, /*finish=*/false);
  ThresholdHeParty& p1 = s.parties[0];
  std::vector<std::vector<uint8_t>> mine;
  for (const auto& e : s.envelopes) {
    if (ReadKeyShareRouting(e)->to == 1) mine.push_back(e);
  }
  ASSERT_EQ(mine.size(), 2u);
  // The coordinator substitutes party 2's public key share by party 3's renumbered one.
  auto swapped = s.public_key_shares;
  auto forged = *PublicKeyShare::Load(s.ctx, swapped[2], s.config.session);
  swapped[1] =
      PublicKeyShare::FromPolynomial(s.ctx, s.config.session, 2, forged.polynomial()).Serialize();
  EXPECT_THAT(p1.FinishKeyGeneration(swapped, mine),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("committed")));
  // A flipped ciphertext byte in an envelope fails authentication.
  auto flipped = mine;
  flipped[0][flipped[0].size() - 5] ^= 1;
  EXPECT_THAT(p1.FinishKeyGeneration(s.public_key_shares, flipped),
              StatusIs(absl::StatusCode::kDataLoss));
  // A missing envelope.
  EXPECT_THAT(p1.FinishKeyGeneration(s.public_key_shares, std::span(mine).first(1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // The honest relay still works afterwards.
  EXPECT_THAT(p1.FinishKeyGeneration(s.public_key_shares, mine), IsOk());
  EXPECT_THAT(p1.FinishKeyGeneration(s.public_key_shares, mine),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(RlweThresholdTest, NoiseBudgetIsEnforced) {
  auto params = *RlweParameters::CreateFromPrimeSizes(4096, {55, 54}, 32, /*max_sites=*/4);
  Session s = MakeSession(params, 3, 2, 71);
  Prg rng = TestPrg(71, "budget");
  CiphertextVector sum = *s.parties[0].Encrypt(std::vector<uint32_t>{1}, 0, rng);
  const CiphertextVector one = *s.parties[1].Encrypt(std::vector<uint32_t>{2}, 0, rng);
  for (int i = 0; i < 3; ++i) ASSERT_THAT(sum.Add(one), IsOk());
  EXPECT_THAT(sum.Add(one), StatusIs(absl::StatusCode::kFailedPrecondition));
  CiphertextVector scaled = one;
  EXPECT_THAT(scaled.MultiplyByScalar(3), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(scaled.MultiplyByScalar(2), IsOk());
}

std::string ShortDigest(const std::vector<uint8_t>& bytes) {
  std::array<uint8_t, 16> d;
  crypto_generichash(d.data(), d.size(), bytes.data(), bytes.size(), nullptr, 0);
  return ToHex(d);
}

// Regression guard for the vectorized kernels: every byte that leaves a party for fixed
// seeds (public key share, ciphertext, loaded + added + scaled aggregate, decryption
// shares) must stay what the scalar-only implementation produced. The digests
// (BLAKE2b-128 of the blobs) were recorded from that implementation before the AVX-512
// paths existed; on CPUs without AVX-512 this checks the scalar path instead.
TEST(RlweThresholdTest, WireBytesAreIdenticalToScalarReference) {
  const std::shared_ptr<const RlweContext> ctx = *RlweContext::Create(RlweParameters::Default());
  std::array<uint8_t, 32> seed{};
  seed[0] = 7;
  Prg rng(seed, "golden");
  ThresholdConfig config;
  config.session.bytes.fill(3);
  config.num_parties = 3;
  config.threshold = 2;
  std::vector<X25519KeyPair> identities;
  std::vector<X25519PublicKey> keys;
  for (int i = 0; i < 3; ++i) {
    identities.push_back(X25519KeyPair::Generate(rng));
    keys.push_back(identities.back().public_key());
  }
  std::vector<ThresholdHeParty> parties;
  for (uint32_t i = 0; i < 3; ++i) {
    parties.push_back(
        *ThresholdHeParty::Create(ctx, config, i + 1, std::move(identities[i]), keys));
  }
  std::vector<std::vector<uint8_t>> pk_shares, envelopes;
  for (auto& party : parties) {
    auto message = *party.StartKeyGeneration(rng);
    pk_shares.push_back(message.public_key_share);
    for (auto& e : message.envelopes) envelopes.push_back(e);
  }
  for (auto& party : parties) {
    std::vector<std::vector<uint8_t>> mine;
    for (const auto& e : envelopes) {
      if (ReadKeyShareRouting(e)->to == party.party_id()) mine.push_back(e);
    }
    ASSERT_THAT(party.FinishKeyGeneration(pk_shares, mine), IsOk());
  }
  std::vector<uint32_t> values(10000);
  rng.FillU32(values);
  const CiphertextVector first = *parties[0].Encrypt(values, 5, rng);
  const CiphertextVector second = *parties[1].Encrypt(values, 5, rng);
  const std::vector<uint8_t> wire = first.Serialize();
  const CiphertextExpectation expect{config.session, 5, values.size()};
  CiphertextVector aggregate = *CiphertextVector::Load(ctx, wire, expect);
  ASSERT_THAT(aggregate.Add(*CiphertextVector::Load(ctx, second.Serialize(), expect)), IsOk());
  ASSERT_THAT(aggregate.MultiplyByScalar(3), IsOk());
  const std::vector<uint32_t> set = {1, 3};
  const std::vector<uint8_t> share1 = *parties[0].DecryptShare(aggregate, set, rng);
  const std::vector<uint8_t> share3 = *parties[2].DecryptShare(aggregate, set, rng);
  EXPECT_EQ(ShortDigest(pk_shares[0]), "090136ebbb576dac91212d960f1ccbb6");
  EXPECT_EQ(ShortDigest(wire), "2646a7a22294735f1fead39c6e369a14");
  EXPECT_EQ(ShortDigest(aggregate.Serialize()), "2300d1020b965feb95d838b8dc625ca8");
  EXPECT_EQ(ShortDigest(share1), "8ad5bd6e8c26eced725183d7fb7f903e");
  EXPECT_EQ(ShortDigest(share3), "2a9502f71aeac61eaf2c422386383aed");
  const std::vector<DecryptionShare> shares = {
      *DecryptionShare::Load(*ctx, share1, config.session, 5),
      *DecryptionShare::Load(*ctx, share3, config.session, 5)};
  const std::vector<uint32_t> plain = *CombineDecryptionShares(aggregate, shares, 2);
  for (size_t j = 0; j < values.size(); ++j) ASSERT_EQ(plain[j], values[j] * 6u) << j;
  // The *Into variants overwrite whatever their buffers held before.
  std::vector<uint8_t> reused(3 * share1.size(), 0xab);
  ASSERT_THAT(parties[0].DecryptShareInto(aggregate, set, rng, &reused), IsOk());
  EXPECT_EQ(reused, share1);
  std::vector<uint32_t> combined(2 * values.size(), 7u);
  ASSERT_THAT(CombineDecryptionSharesInto(aggregate, shares, 2, &combined), IsOk());
  EXPECT_EQ(combined, plain);
}

}  // namespace
}  // namespace fedcloak::crypto
