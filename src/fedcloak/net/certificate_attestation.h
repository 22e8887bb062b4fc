// fl::KeyAttestor and fl::KeyVerifier over the federation's X.509 PKI: a site attests its
// session enrolment (fl::EnrollmentStatement: session, name, SecAgg+ identity key, HE
// transport key) with the private key of its certificate, and every party checks it
// against the federation's CA. A coordinator, which holds no site's certificate key,
// cannot substitute a site's keys without the other sites noticing.
//
// Attestation bytes (doc/wire_format.md, "Enrolment attestation"): u8 version (1),
// length-prefixed certificate PEM (at most 8 KiB), length-prefixed signature (at most
// 512 bytes) made by SignWithKitKey with purpose BoundKeyPurpose::kEnrollment.
#ifndef FEDCLOAK_NET_CERTIFICATE_ATTESTATION_H_
#define FEDCLOAK_NET_CERTIFICATE_ATTESTATION_H_

#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "fedcloak/fl/key_attestation.h"
#include "fedcloak/net/tls_material.h"

namespace fedcloak::net {

// A site's attestor: signs with its kit's certificate key.
class CertificateAttestor final : public fl::KeyAttestor {
 public:
  explicit CertificateAttestor(SiteKit kit) : kit_(std::move(kit)) {}
  absl::StatusOr<std::vector<uint8_t>> Attest(std::span<const uint8_t> statement) override;

 private:
  SiteKit kit_;
};

// Checks attestations against the federation's CA: the certificate must chain to it,
// be valid now, name exactly the site (CN and DNS SAN), and its key must have signed the
// statement. Remembers the attestations it accepted (a session's are checked again every
// SecAgg+ round). Thread-safe.
class CertificateVerifier final : public fl::KeyVerifier {
 public:
  explicit CertificateVerifier(std::string ca_certificate_pem)
      : ca_pem_(std::move(ca_certificate_pem)) {}
  absl::Status Verify(std::string_view site, std::span<const uint8_t> statement,
                      std::span<const uint8_t> attestation) const override;

 private:
  static constexpr size_t kMaxRemembered = 4096;
  std::string ca_pem_;
  mutable absl::Mutex mu_;
  mutable std::set<std::string> accepted_ ABSL_GUARDED_BY(mu_);
};

// The attestation layout, for tests and tools: InvalidArgument for oversized fields.
absl::StatusOr<std::vector<uint8_t>> EncodeAttestation(std::string_view certificate_pem,
                                                       std::span<const uint8_t> signature);

}  // namespace fedcloak::net

#endif  // FEDCLOAK_NET_CERTIFICATE_ATTESTATION_H_
