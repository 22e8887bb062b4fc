// OpenSSL 3 helpers shared by provisioning, kit loading and identity binding. Internal
// to module net: OpenSSL types never appear in a public header of another module.
#ifndef FEDCLOAK_NET_OPENSSL_UTIL_H_
#define FEDCLOAK_NET_OPENSSL_UTIL_H_

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace fedcloak::net::internal {

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Deleter {
  void operator()(X509* p) const { X509_free(p); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

// "<what>: <OpenSSL error queue>"; drains the queue.
std::string OpenSslError(std::string_view what);

// DataLoss if `pem` holds no certificate.
absl::StatusOr<X509Ptr> ParseCertificatePem(std::string_view pem);
// DataLoss if `pem` holds no private key. Never puts key bytes into a message.
absl::StatusOr<EvpPkeyPtr> ParsePrivateKeyPem(std::span<const uint8_t> pem);

std::string CertificatePem(X509* cert);

// The subject CN, or InvalidArgument if there is none or more than one.
absl::StatusOr<std::string> CommonName(X509* cert);
std::vector<std::string> DnsNames(X509* cert);
// IP address SANs in text form ("127.0.0.1", "::1").
std::vector<std::string> IpAddresses(X509* cert);

// Verifies that `cert` chains to the single self-signed `ca_pem` certificate and is
// valid now for TLS client use (extended key usage clientAuth when present).
// PermissionDenied naming OpenSSL's reason otherwise, DataLoss for unreadable PEM.
absl::Status VerifyClientCertificate(X509* cert, std::string_view ca_pem);

// The site name a certificate carries: its CN, which must also be a DNS SAN and a valid
// site name. PermissionDenied otherwise.
absl::StatusOr<std::string> SiteNameOf(X509* cert);

// Overwrites the bytes of `s` (e.g. a PEM key copied for an API that takes strings),
// then clears it.
void SecureWipeString(std::string* s);

// OK if `key` is the private key of `cert`; DataLoss otherwise.
absl::Status CheckKeyMatchesCertificate(EVP_PKEY* key, X509* cert);

}  // namespace fedcloak::net::internal

#endif  // FEDCLOAK_NET_OPENSSL_UTIL_H_
