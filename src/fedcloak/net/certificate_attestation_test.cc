#include "fedcloak/net/certificate_attestation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fedcloak/base/status_matchers.h"
#include "fedcloak/fl/secure_messages.h"
#include "fedcloak/net/bound_key.h"
#include "fedcloak/net/test_pki.h"

namespace fedcloak::net {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::HasSubstr;

std::vector<uint8_t> Statement(const std::string& site, uint8_t key_byte) {
  SessionId session;
  session.bytes[0] = 3;
  fl::Enrollment e;
  e.identity_key[0] = key_byte;
  e.transport_key[0] = static_cast<uint8_t>(key_byte + 1);
  return fl::EnrollmentStatement(session, site, e);
}

class NetCertificateAttestationTest : public ::testing::TestWithParam<KeyType> {
 protected:
  NetCertificateAttestationTest()
      : pki_({"alice", "bob"}, GetParam()), other_pki_({"alice"}, GetParam()) {}
  testing::TestPki pki_;
  testing::TestPki other_pki_;  // another federation's CA, with its own "alice"
};

TEST_P(NetCertificateAttestationTest, AcceptsOnlyTheNamedSitesOwnStatement) {
  CertificateAttestor alice(pki_.Kit("alice"));
  const CertificateVerifier verifier(pki_.Kit("bob").tls.ca_certificate_pem);
  const std::vector<uint8_t> statement = Statement("alice", 7);
  auto attestation = alice.Attest(statement);
  ASSERT_THAT(attestation, IsOk());
  EXPECT_THAT(verifier.Verify("alice", statement, *attestation), IsOk());
  // Twice: the remembered acceptance gives the same answer.
  EXPECT_THAT(verifier.Verify("alice", statement, *attestation), IsOk());
  // Claimed for another site: the certificate names alice.
  EXPECT_THAT(verifier.Verify("bob", Statement("bob", 7), *attestation),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // Substituted keys in the statement.
  EXPECT_THAT(verifier.Verify("alice", Statement("alice", 8), *attestation),
              StatusIs(absl::StatusCode::kDataLoss));
  // A bit flip in the header or the signature is refused. (The certificate PEM is
  // checked by the tests below; flips in its trailing newline leave the same DER.)
  const size_t signature_start = 1 + 4 + pki_.Kit("alice").tls.certificate_pem.size();
  for (size_t i = 0; i < attestation->size(); i = i == 4 ? signature_start : i + 1) {
    std::vector<uint8_t> tampered = *attestation;
    tampered[i] ^= 0x10;
    EXPECT_FALSE(verifier.Verify("alice", statement, tampered).ok()) << "byte " << i;
  }
  // Truncations.
  for (size_t cut = 1; cut < attestation->size(); cut += 13) {
    std::vector<uint8_t> shorter(attestation->begin(), attestation->end() - static_cast<long>(cut));
    EXPECT_FALSE(verifier.Verify("alice", statement, shorter).ok()) << "cut " << cut;
  }
  EXPECT_THAT(verifier.Verify("alice", statement, {}),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("no attestation")));
}

TEST_P(NetCertificateAttestationTest, RefusesACertificateFromAnotherCa) {
  // The coordinator cannot mint a site: an "alice" certificate from another CA, with a
  // valid signature by its key, does not verify against the federation's CA.
  CertificateAttestor impostor(other_pki_.Kit("alice"));
  const CertificateVerifier verifier(pki_.Kit("alice").tls.ca_certificate_pem);
  const std::vector<uint8_t> statement = Statement("alice", 1);
  auto attestation = impostor.Attest(statement);
  ASSERT_THAT(attestation, IsOk());
  EXPECT_THAT(verifier.Verify("alice", statement, *attestation),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_P(NetCertificateAttestationTest, RefusesAnotherSitesCertificateWithItsSignature) {
  // bob's certificate spliced into alice's attestation.
  CertificateAttestor alice(pki_.Kit("alice"));
  const std::vector<uint8_t> statement = Statement("bob", 1);
  auto signed_by_alice = SignWithKitKey(pki_.Kit("alice"), BoundKeyPurpose::kEnrollment, statement);
  ASSERT_THAT(signed_by_alice, IsOk());
  auto spliced = EncodeAttestation(pki_.Kit("bob").tls.certificate_pem, *signed_by_alice);
  ASSERT_THAT(spliced, IsOk());
  const CertificateVerifier verifier(pki_.Kit("alice").tls.ca_certificate_pem);
  EXPECT_THAT(verifier.Verify("bob", statement, *spliced), StatusIs(absl::StatusCode::kDataLoss));
}

INSTANTIATE_TEST_SUITE_P(KeyTypes, NetCertificateAttestationTest,
                         ::testing::Values(KeyType::kEcP256, KeyType::kEd25519),
                         [](const auto& param_info) {
                           return param_info.param == KeyType::kEcP256 ? "EcP256" : "Ed25519";
                         });

}  // namespace
}  // namespace fedcloak::net
