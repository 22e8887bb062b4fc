// Provisioning of a federation's PKI: the coordinator's own CA, the coordinator's
// certificate, and one startup kit per site. Layout of the output directory:
//
//   <out>/ca/ca.pem, ca/ca.key                      the CA (keep ca.key offline)
//   <out>/coordinator/coordinator.pem, .key, ca.pem  for `fedcloak coordinator`
//   <out>/sites/<name>/site.pem, site.key, ca.pem, kit.toml   one kit per site
//
// Private keys are created with open(O_CREAT | O_EXCL, 0600) and never overwritten.
#ifndef FEDCLOAK_NET_PROVISION_H_
#define FEDCLOAK_NET_PROVISION_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fedcloak/base/secure_random.h"

namespace fedcloak::net {

enum class KeyType {
  kEcP256,   // ECDSA over P-256 with SHA-256: the most widely supported choice
  kEd25519,  // Ed25519 (TLS 1.3 and OpenSSL 3 peers only)
};

struct ProvisionOptions {
  std::filesystem::path output_dir;
  // Site names, each matching [a-z0-9][a-z0-9-]{0,62}, no duplicates, at least one.
  std::vector<std::string> sites;
  // DNS names or IP addresses under which sites reach the coordinator; each becomes a
  // SAN of the coordinator certificate (127.0.0.1 is always added). The first one is
  // the address written into the kits. At least one.
  std::vector<std::string> coordinator_hosts;
  uint16_t coordinator_port = 7443;
  KeyType key_type = KeyType::kEcP256;
  // Validity of every certificate, starting one hour in the past (clock skew).
  absl::Duration validity = absl::Hours(24 * 365);
  // Names the CA (its CN is "fedcloak CA <federation_name>").
  std::string federation_name = "federation";
};

struct ProvisionResult {
  std::filesystem::path ca_certificate;               // <out>/ca/ca.pem
  std::filesystem::path coordinator_dir;              // <out>/coordinator
  std::map<std::string, std::filesystem::path> kits;  // site name -> <out>/sites/<name>
};

// Creates the CA, the coordinator certificate and the kits. `random` draws the
// certificate serial numbers; keys come from OpenSSL's DRBG.
// InvalidArgument for a bad site name, duplicate site, bad host or empty list;
// AlreadyExists if any file to be written exists (nothing is written then);
// Internal / PermissionDenied for file-system or OpenSSL failures.
absl::StatusOr<ProvisionResult> Provision(const ProvisionOptions& options,
                                          SecureRandom& random = DefaultRandom());

}  // namespace fedcloak::net

#endif  // FEDCLOAK_NET_PROVISION_H_
