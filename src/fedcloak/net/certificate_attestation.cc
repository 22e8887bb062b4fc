#include "fedcloak/net/certificate_attestation.h"

#include <fmt/format.h>

#include "fedcloak/base/bytes.h"
#include "fedcloak/base/status.h"
#include "fedcloak/net/bound_key.h"

namespace fedcloak::net {
namespace {

constexpr uint8_t kAttestationVersion = 1;
constexpr size_t kMaxCertificatePem = 8 * 1024;
constexpr size_t kMaxSignature = 512;

// What a remembered acceptance is keyed by: everything the decision depended on.
std::string CacheKey(std::string_view site, std::span<const uint8_t> statement,
                     std::span<const uint8_t> attestation) {
  std::string key;
  std::vector<uint8_t> bytes;
  ByteWriter w(&bytes);
  w.PutString(site);
  w.PutLengthPrefixed(statement);
  w.PutLengthPrefixed(attestation);
  key.assign(bytes.begin(), bytes.end());
  return key;
}

}  // namespace

absl::StatusOr<std::vector<uint8_t>> EncodeAttestation(std::string_view certificate_pem,
                                                       std::span<const uint8_t> signature) {
  if (certificate_pem.size() > kMaxCertificatePem || signature.size() > kMaxSignature) {
    return absl::InvalidArgumentError(
        fmt::format("attestation fields too large: certificate {} bytes (at most {}), "
                    "signature {} bytes (at most {})",
                    certificate_pem.size(), kMaxCertificatePem, signature.size(), kMaxSignature));
  }
  std::vector<uint8_t> out;
  ByteWriter w(&out);
  w.PutU8(kAttestationVersion);
  w.PutString(certificate_pem);
  w.PutLengthPrefixed(signature);
  return out;
}

absl::StatusOr<std::vector<uint8_t>> CertificateAttestor::Attest(
    std::span<const uint8_t> statement) {
  FEDCLOAK_ASSIGN_OR_RETURN(std::vector<uint8_t> signature,
                            SignWithKitKey(kit_, BoundKeyPurpose::kEnrollment, statement));
  return EncodeAttestation(kit_.tls.certificate_pem, signature);
}

absl::Status CertificateVerifier::Verify(std::string_view site, std::span<const uint8_t> statement,
                                         std::span<const uint8_t> attestation) const {
  const std::string key = CacheKey(site, statement, attestation);
  {
    absl::MutexLock lock(&mu_);
    if (accepted_.count(key) != 0) return absl::OkStatus();
  }
  if (attestation.empty()) {
    return absl::PermissionDeniedError(fmt::format("site {} sent no attestation", site));
  }
  ByteReader r(attestation);
  uint8_t version = 0;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU8("attestation version", &version));
  if (version != kAttestationVersion) {
    return absl::DataLossError(
        fmt::format("attestation version {} is not {}", version, kAttestationVersion));
  }
  std::string certificate_pem;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadString("certificate", kMaxCertificatePem, &certificate_pem));
  std::span<const uint8_t> signature;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadLengthPrefixed("signature", kMaxSignature, &signature));
  FEDCLOAK_RETURN_IF_ERROR(r.ExpectEnd("attestation"));
  FEDCLOAK_RETURN_IF_ERROR(VerifyBoundKey(certificate_pem, ca_pem_, site,
                                          BoundKeyPurpose::kEnrollment, statement, signature));
  absl::MutexLock lock(&mu_);
  if (accepted_.size() >= kMaxRemembered) accepted_.clear();
  accepted_.insert(key);
  return absl::OkStatus();
}

}  // namespace fedcloak::net
