#include "fedcloak/crypto/pairwise_channel.h"

#include <cstring>
#include <string>
#include <vector>

#include "fedcloak/base/check.h"
#include "fedcloak/base/hex.h"
#include "fedcloak/base/prg.h"
#include "fedcloak/base/status_matchers.h"
#include "fedcloak/crypto/x25519.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::crypto {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::HasSubstr;

std::vector<uint8_t> FromHex(std::string_view hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

Prg SeededPrg(uint64_t seed) {
  std::array<uint8_t, 32> key{};
  std::memcpy(key.data(), &seed, sizeof(seed));
  return Prg(key, "pairwise_channel_test");
}

SessionId MakeSession(uint8_t fill) {
  SessionId s;
  s.bytes.fill(fill);
  return s;
}

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string AsString(const SecretBytes& b) { return std::string(b.begin(), b.end()); }

TEST(X25519Test, Rfc7748KnownAnswer) {
  // RFC 7748, section 6.1 (Alice and Bob).
  auto alice = X25519KeyPair::FromSecretKey(
      SecretBytes(FromHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")));
  auto bob = X25519KeyPair::FromSecretKey(
      SecretBytes(FromHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")));
  ASSERT_THAT(alice, IsOk());
  ASSERT_THAT(bob, IsOk());
  EXPECT_EQ(ToHex(alice->public_key()),
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  EXPECT_EQ(ToHex(bob->public_key()),
            "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  auto k1 = alice->Agree(bob->public_key());
  auto k2 = bob->Agree(alice->public_key());
  ASSERT_THAT(k1, IsOk());
  ASSERT_THAT(k2, IsOk());
  EXPECT_EQ(ToHex(k1->span()), "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  EXPECT_TRUE(k1->Equals(*k2));
  EXPECT_THAT(X25519KeyPair::FromSecretKey(SecretBytes(31)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("got 31")));
}

class PairwiseChannelTest : public ::testing::Test {
 protected:
  PairwiseChannelTest()
      : rng_(SeededPrg(5)),
        a_(X25519KeyPair::Generate(rng_)),
        b_(X25519KeyPair::Generate(rng_)),
        c_(X25519KeyPair::Generate(rng_)) {}

  PairwiseChannel Make(const X25519KeyPair& self, const X25519KeyPair& peer, uint32_t self_id,
                       uint32_t peer_id, uint8_t session = 1,
                       std::string_view purpose = "secagg.share-keys") {
    auto ch = PairwiseChannel::Create(self, peer.public_key(), MakeSession(session), self_id,
                                      peer_id, purpose);
    FEDCLOAK_CHECK(ch.ok());
    return *std::move(ch);
  }

  Prg rng_;
  X25519KeyPair a_;
  X25519KeyPair b_;
  X25519KeyPair c_;
};

TEST_F(PairwiseChannelTest, SealOpenRoundTrip) {
  PairwiseChannel ab = Make(a_, b_, 1, 2);
  PairwiseChannel ba = Make(b_, a_, 2, 1);
  for (std::string_view msg : {"", "x", "a share of a mask key, 48 bytes long ........"}) {
    const std::vector<uint8_t> sealed = ab.Seal(Bytes(msg), rng_);
    EXPECT_EQ(sealed.size(), msg.size() + PairwiseChannel::kOverhead);
    auto opened = ba.Open(sealed);
    ASSERT_THAT(opened, IsOk());
    EXPECT_EQ(AsString(*opened), msg);
  }
  // Both directions work and use random nonces.
  const auto s1 = ba.Seal(Bytes("reply"), rng_);
  const auto s2 = ba.Seal(Bytes("reply"), rng_);
  EXPECT_NE(s1, s2);
  auto opened = ab.Open(s1);
  ASSERT_THAT(opened, IsOk());
  EXPECT_EQ(AsString(*opened), "reply");
}

TEST_F(PairwiseChannelTest, EveryFlippedByteIsRejected) {
  PairwiseChannel ab = Make(a_, b_, 1, 2);
  PairwiseChannel ba = Make(b_, a_, 2, 1);
  const std::vector<uint8_t> sealed = ab.Seal(Bytes("attack at dawn"), rng_);
  for (size_t i = 0; i < sealed.size(); ++i) {
    for (uint8_t bit : {uint8_t{0x01}, uint8_t{0x80}}) {
      std::vector<uint8_t> tampered = sealed;
      tampered[i] ^= bit;
      EXPECT_THAT(ba.Open(tampered), StatusIs(absl::StatusCode::kDataLoss)) << "byte " << i;
    }
  }
  // Truncations and extensions.
  for (size_t len = 0; len < sealed.size(); ++len) {
    EXPECT_THAT(ba.Open(std::span<const uint8_t>(sealed.data(), len)),
                StatusIs(absl::StatusCode::kDataLoss))
        << "length " << len;
  }
  std::vector<uint8_t> longer = sealed;
  longer.push_back(0);
  EXPECT_THAT(ba.Open(longer), StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(PairwiseChannelTest, WrongContextIsRejected) {
  PairwiseChannel ab = Make(a_, b_, 1, 2);
  const std::vector<uint8_t> sealed = ab.Seal(Bytes("share"), rng_);
  // Swapped direction: the sender cannot open its own message.
  EXPECT_THAT(ab.Open(sealed), StatusIs(absl::StatusCode::kDataLoss));
  // Wrong session, purpose, ids.
  EXPECT_THAT(Make(b_, a_, 2, 1, /*session=*/2).Open(sealed),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(Make(b_, a_, 2, 1, 1, "he.key-shares").Open(sealed),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("he.key-shares")));
  EXPECT_THAT(Make(b_, a_, 2, 3).Open(sealed), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(Make(b_, a_, 3, 1).Open(sealed), StatusIs(absl::StatusCode::kDataLoss));
  // Wrong key: a third party (or b with the wrong peer key).
  EXPECT_THAT(Make(c_, a_, 2, 1).Open(sealed), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(Make(b_, c_, 2, 1).Open(sealed), StatusIs(absl::StatusCode::kDataLoss));
  // The right one still works.
  EXPECT_THAT(Make(b_, a_, 2, 1).Open(sealed), IsOk());
}

TEST_F(PairwiseChannelTest, SharedSeedIsSymmetricAndSeparated) {
  const SecretBytes s_ab = Make(a_, b_, 1, 2).DeriveSharedSeed("mask");
  const SecretBytes s_ba = Make(b_, a_, 2, 1).DeriveSharedSeed("mask");
  EXPECT_EQ(s_ab.size(), 32u);
  EXPECT_TRUE(s_ab.Equals(s_ba));
  EXPECT_FALSE(s_ab.Equals(Make(a_, b_, 1, 2).DeriveSharedSeed("other")));
  EXPECT_FALSE(s_ab.Equals(Make(a_, b_, 1, 2, /*session=*/9).DeriveSharedSeed("mask")));
  EXPECT_FALSE(s_ab.Equals(Make(a_, b_, 1, 3).DeriveSharedSeed("mask")));
  EXPECT_FALSE(s_ab.Equals(Make(a_, b_, 1, 2, 1, "other").DeriveSharedSeed("mask")));
  EXPECT_FALSE(s_ab.Equals(Make(a_, c_, 1, 2).DeriveSharedSeed("mask")));
}

TEST_F(PairwiseChannelTest, CreateRejectsBadInput) {
  EXPECT_THAT(PairwiseChannel::Create(a_, b_.public_key(), MakeSession(1), 4, 4, "p"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("both ids are 4")));
  // All-zero and order-8 points give an all-zero shared secret.
  const std::array<uint8_t, 32> zero{};
  EXPECT_THAT(PairwiseChannel::Create(a_, zero, MakeSession(1), 1, 2, "p"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("low order")));
  std::array<uint8_t, 32> one{};
  one[0] = 1;
  EXPECT_THAT(PairwiseChannel::Create(a_, one, MakeSession(1), 1, 2, "p"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace fedcloak::crypto
