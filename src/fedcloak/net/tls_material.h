// PEM material for one TLS endpoint, and the startup kit of a site.
#ifndef FEDCLOAK_NET_TLS_MATERIAL_H_
#define FEDCLOAK_NET_TLS_MATERIAL_H_

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"
#include "fedcloak/base/secret.h"

namespace fedcloak::net {

// A certificate, its private key and the CA certificate that peers must chain to.
// Movable; the key is a secret (zeroized, copied only through Clone()).
struct TlsMaterial {
  std::string certificate_pem;
  SecretBytes private_key_pem;
  std::string ca_certificate_pem;

  TlsMaterial Clone() const {
    return TlsMaterial{certificate_pem, private_key_pem.Clone(), ca_certificate_pem};
  }
};

// What `net::Provision` writes for one site (directory layout: doc/architecture.md).
struct SiteKit {
  std::string site_name;            // equals the CN and the DNS SAN of the certificate
  std::string coordinator_address;  // "host:port"
  TlsMaterial tls;

  SiteKit Clone() const { return SiteKit{site_name, coordinator_address, tls.Clone()}; }
};

// Reads <dir>/kit.toml and the files it names (paths relative to `dir`). Checks that
// the certificate chains to the CA and carries `site_name`, and that the key matches
// the certificate. NotFound for a missing file, InvalidArgument for a malformed
// kit.toml (naming the key and line), DataLoss for unreadable PEM or a key that does
// not match.
absl::StatusOr<SiteKit> LoadSiteKit(const std::filesystem::path& dir);

// Reads the coordinator's material written by Provision: <dir>/coordinator.pem,
// <dir>/coordinator.key, <dir>/ca.pem. Same codes as LoadSiteKit.
absl::StatusOr<TlsMaterial> LoadCoordinatorTls(const std::filesystem::path& dir);

// Checks that the certificate and key parse, that the key is the certificate's, and
// that the certificate was issued by the CA. DataLoss naming what is wrong.
absl::Status ValidateTlsMaterial(const TlsMaterial& tls);

// Reads three PEM files. NotFound / DataLoss as above.
absl::StatusOr<TlsMaterial> LoadTlsMaterial(const std::filesystem::path& certificate,
                                            const std::filesystem::path& private_key,
                                            const std::filesystem::path& ca_certificate);

}  // namespace fedcloak::net

#endif  // FEDCLOAK_NET_TLS_MATERIAL_H_
