// Binding of the crypto layers' keys to the TLS identity of a site.
//
// SecAgg+ identifies sites by Ed25519 keys and threshold HE moves key shares under
// X25519 keys. Those public keys are only as trustworthy as the proof of who owns them:
// a site signs them with the private key of its certificate (SignWithKitKey), the
// coordinator relays the site's certificate with the signature, and every party holding
// the federation's CA certificate checks both (VerifyBoundKey). A coordinator that
// substitutes a key cannot forge the signature of the named site.
//
// The signature covers a domain-separation label, the purpose, the site name and the
// message (layout in doc/wire_format.md, "Bound keys"): a signature made for one purpose
// or one site does not verify for another. The message should itself name what it binds
// (for instance the public key together with the session id).
#ifndef FEDCLOAK_NET_BOUND_KEY_H_
#define FEDCLOAK_NET_BOUND_KEY_H_

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fedcloak/net/tls_material.h"

namespace fedcloak::net {

// Part of the signed bytes: never renumber.
enum class BoundKeyPurpose : uint8_t {
  kSecAggIdentity = 1,  // the site's Ed25519 SecAgg+ identity public key
  kHeTransport = 2,     // the site's X25519 key for threshold-HE key-share transport
  kEnrollment = 3,      // a session enrolment: fl::EnrollmentStatement (both keys)
};

// Signs with the private key of `kit`'s certificate (ECDSA P-256 / SHA-256, DER
// encoded; or Ed25519, 64 bytes). InvalidArgument for a message over 1 MiB, DataLoss
// for an unusable key.
absl::StatusOr<std::vector<uint8_t>> SignWithKitKey(const SiteKit& kit, BoundKeyPurpose purpose,
                                                    std::span<const uint8_t> message);

// OK if `cert_pem` chains to `ca_pem`, is valid now for client use, names exactly
// `expected_site_name` (CN and DNS SAN), and `signature` is its key's signature of
// (`purpose`, `expected_site_name`, `message`). PermissionDenied for a certificate that
// does not verify or names another site; DataLoss for a bad signature or unreadable PEM.
absl::Status VerifyBoundKey(std::string_view cert_pem, std::string_view ca_pem,
                            std::string_view expected_site_name, BoundKeyPurpose purpose,
                            std::span<const uint8_t> message, std::span<const uint8_t> signature);

}  // namespace fedcloak::net

#endif  // FEDCLOAK_NET_BOUND_KEY_H_
