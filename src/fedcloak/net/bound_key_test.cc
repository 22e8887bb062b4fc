#include "fedcloak/net/bound_key.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fedcloak/base/status_matchers.h"
#include "fedcloak/net/test_pki.h"

namespace fedcloak::net {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;

class NetBoundKeyTest : public ::testing::TestWithParam<KeyType> {
 protected:
  NetBoundKeyTest() : pki_({"alice", "bob"}, GetParam()) {}
  testing::TestPki pki_;
};

TEST_P(NetBoundKeyTest, SignatureVerifiesOnlyForItsSiteKeyAndPurpose) {
  const SiteKit alice = pki_.Kit("alice");
  const SiteKit bob = pki_.Kit("bob");
  const std::vector<uint8_t> key = testing::PatternBytes(32, 1);  // stands for a public key
  auto signature = SignWithKitKey(alice, BoundKeyPurpose::kSecAggIdentity, key);
  ASSERT_THAT(signature, IsOk());
  if (GetParam() == KeyType::kEd25519) {
    EXPECT_EQ(signature->size(), 64u);
  }
  const std::string& ca = alice.tls.ca_certificate_pem;
  EXPECT_THAT(VerifyBoundKey(alice.tls.certificate_pem, ca, "alice",
                             BoundKeyPurpose::kSecAggIdentity, key, *signature),
              IsOk());
  // Another expected name, or bob's certificate for alice's signature.
  EXPECT_THAT(VerifyBoundKey(alice.tls.certificate_pem, ca, "bob", BoundKeyPurpose::kSecAggIdentity,
                             key, *signature),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(VerifyBoundKey(bob.tls.certificate_pem, ca, "bob", BoundKeyPurpose::kSecAggIdentity,
                             key, *signature),
              StatusIs(absl::StatusCode::kDataLoss));
  // Another purpose.
  EXPECT_THAT(VerifyBoundKey(alice.tls.certificate_pem, ca, "alice", BoundKeyPurpose::kHeTransport,
                             key, *signature),
              StatusIs(absl::StatusCode::kDataLoss));
  // Tampered message or signature.
  std::vector<uint8_t> other_key = key;
  other_key[31] ^= 1;
  EXPECT_THAT(VerifyBoundKey(alice.tls.certificate_pem, ca, "alice",
                             BoundKeyPurpose::kSecAggIdentity, other_key, *signature),
              StatusIs(absl::StatusCode::kDataLoss));
  std::vector<uint8_t> bad_signature = *signature;
  bad_signature[bad_signature.size() / 2] ^= 0x40;
  EXPECT_THAT(VerifyBoundKey(alice.tls.certificate_pem, ca, "alice",
                             BoundKeyPurpose::kSecAggIdentity, key, bad_signature),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST_P(NetBoundKeyTest, CertificateFromAnotherCaIsRejected) {
  testing::TestPki other({"alice"}, GetParam());
  const SiteKit impostor = other.Kit("alice");
  const std::vector<uint8_t> key = testing::PatternBytes(32, 2);
  auto signature = SignWithKitKey(impostor, BoundKeyPurpose::kHeTransport, key);
  ASSERT_THAT(signature, IsOk());
  EXPECT_THAT(VerifyBoundKey(impostor.tls.certificate_pem, pki_.Kit("alice").tls.ca_certificate_pem,
                             "alice", BoundKeyPurpose::kHeTransport, key, *signature),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // A CA certificate is not a site certificate either.
  EXPECT_THAT(VerifyBoundKey(pki_.Kit("alice").tls.ca_certificate_pem,
                             pki_.Kit("alice").tls.ca_certificate_pem, "alice",
                             BoundKeyPurpose::kHeTransport, key, *signature),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(VerifyBoundKey("not a pem", "also not", "alice", BoundKeyPurpose::kHeTransport, key,
                             *signature),
              StatusIs(absl::StatusCode::kDataLoss));
}

INSTANTIATE_TEST_SUITE_P(KeyTypes, NetBoundKeyTest,
                         ::testing::Values(KeyType::kEcP256, KeyType::kEd25519),
                         [](const ::testing::TestParamInfo<KeyType>& param_info) {
                           return param_info.param == KeyType::kEcP256 ? "EcP256" : "Ed25519";
                         });

}  // namespace
}  // namespace fedcloak::net
