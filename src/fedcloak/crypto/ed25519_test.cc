#include "fedcloak/crypto/ed25519.h"

#include <cstring>
#include <string>
#include <vector>

#include "fedcloak/base/hex.h"
#include "fedcloak/base/prg.h"
#include "fedcloak/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::crypto {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;

std::vector<uint8_t> FromHex(std::string_view hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

TEST(Ed25519Test, Rfc8032TestVector1) {
  // RFC 8032, section 7.1, TEST 1 (empty message).
  auto key = Ed25519KeyPair::FromSeed(
      FromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  ASSERT_THAT(key, IsOk());
  EXPECT_EQ(ToHex(key->public_key()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const Ed25519Signature sig = key->Sign({});
  EXPECT_EQ(ToHex(sig),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39"
            "701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_THAT(Ed25519Verify(key->public_key(), {}, sig), IsOk());
}

TEST(Ed25519Test, TamperedOrForeignSignaturesAreDataLoss) {
  std::array<uint8_t, 32> seed{};
  seed[0] = 9;
  Prg rng(seed, "ed25519_test");
  const Ed25519KeyPair key = Ed25519KeyPair::Generate(rng);
  const Ed25519KeyPair other = Ed25519KeyPair::Generate(rng);
  const std::vector<uint8_t> msg = {1, 2, 3, 4, 5};
  const Ed25519Signature sig = key.Sign(msg);
  EXPECT_THAT(Ed25519KeyPair::Verify(key.public_key(), msg, sig), IsOk());
  EXPECT_THAT(Ed25519Verify(other.public_key(), msg, sig), StatusIs(absl::StatusCode::kDataLoss));
  for (size_t i = 0; i < sig.size(); ++i) {
    Ed25519Signature bad = sig;
    bad[i] ^= 0x01;
    EXPECT_THAT(Ed25519Verify(key.public_key(), msg, bad), StatusIs(absl::StatusCode::kDataLoss))
        << "byte " << i;
  }
  std::vector<uint8_t> altered = msg;
  altered[2] ^= 0x10;
  EXPECT_THAT(Ed25519Verify(key.public_key(), altered, sig), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(Ed25519KeyPair::FromSeed(std::vector<uint8_t>(31)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace fedcloak::crypto
