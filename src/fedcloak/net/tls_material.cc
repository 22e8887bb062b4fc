#include "fedcloak/net/tls_material.h"

#include <openssl/x509v3.h>
#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "fedcloak/base/status.h"
#include "fedcloak/net/openssl_util.h"
#include "fmt/format.h"

namespace fedcloak::net {
namespace {

constexpr std::uintmax_t kMaxPemFileSize = 1 << 20;

absl::StatusOr<std::string> ReadSmallFile(const std::filesystem::path& path) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec)
    return absl::NotFoundError(fmt::format("cannot read {}: {}", path.string(), ec.message()));
  if (size > kMaxPemFileSize) {
    return absl::InvalidArgumentError(
        fmt::format("{} has {} bytes; at most {} expected", path.string(), size, kMaxPemFileSize));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(fmt::format("cannot open {}", path.string()));
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

absl::StatusOr<SecretBytes> ReadSecretFile(const std::filesystem::path& path) {
  FEDCLOAK_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path));
  SecretBytes out(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  internal::SecureWipeString(&text);
  return out;
}

// Checks that the certificate chains to the CA and that the key is its key.
absl::Status CheckMaterial(const TlsMaterial& tls, internal::X509Ptr* cert_out) {
  FEDCLOAK_ASSIGN_OR_RETURN(internal::X509Ptr cert,
                            internal::ParseCertificatePem(tls.certificate_pem));
  FEDCLOAK_ASSIGN_OR_RETURN(internal::EvpPkeyPtr key,
                            internal::ParsePrivateKeyPem(tls.private_key_pem.span()));
  FEDCLOAK_RETURN_IF_ERROR(internal::CheckKeyMatchesCertificate(key.get(), cert.get()));
  FEDCLOAK_ASSIGN_OR_RETURN(internal::X509Ptr ca,
                            internal::ParseCertificatePem(tls.ca_certificate_pem));
  if (X509_check_issued(ca.get(), cert.get()) != X509_V_OK) {
    return absl::DataLossError("certificate was not issued by the CA certificate beside it");
  }
  if (cert_out != nullptr) *cert_out = std::move(cert);
  return absl::OkStatus();
}

absl::StatusOr<std::string> RequiredString(const toml::table& table, std::string_view key,
                                           const std::filesystem::path& file) {
  const toml::node* node = table.get(key);
  if (node == nullptr) {
    return absl::InvalidArgumentError(fmt::format("{}: missing key '{}'", file.string(), key));
  }
  const auto* value = node->as_string();
  if (value == nullptr) {
    return absl::InvalidArgumentError(fmt::format("{}:{}: key '{}' must be a string", file.string(),
                                                  node->source().begin.line, key));
  }
  return value->get();
}

}  // namespace

absl::Status ValidateTlsMaterial(const TlsMaterial& tls) { return CheckMaterial(tls, nullptr); }

absl::StatusOr<TlsMaterial> LoadTlsMaterial(const std::filesystem::path& certificate,
                                            const std::filesystem::path& private_key,
                                            const std::filesystem::path& ca_certificate) {
  TlsMaterial tls;
  FEDCLOAK_ASSIGN_OR_RETURN(tls.certificate_pem, ReadSmallFile(certificate));
  FEDCLOAK_ASSIGN_OR_RETURN(tls.private_key_pem, ReadSecretFile(private_key));
  FEDCLOAK_ASSIGN_OR_RETURN(tls.ca_certificate_pem, ReadSmallFile(ca_certificate));
  FEDCLOAK_RETURN_IF_ERROR(CheckMaterial(tls, nullptr));
  return tls;
}

absl::StatusOr<TlsMaterial> LoadCoordinatorTls(const std::filesystem::path& dir) {
  return LoadTlsMaterial(dir / "coordinator.pem", dir / "coordinator.key", dir / "ca.pem");
}

absl::StatusOr<SiteKit> LoadSiteKit(const std::filesystem::path& dir) {
  const std::filesystem::path file = dir / "kit.toml";
  FEDCLOAK_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(file));
  toml::table table;
  try {
    table = toml::parse(text, file.string());
  } catch (const toml::parse_error& error) {
    return absl::InvalidArgumentError(fmt::format(
        "{}:{}: {}", file.string(), error.source().begin.line, std::string(error.description())));
  }
  static constexpr std::string_view kKeys[] = {"site_name", "coordinator_address", "certificate",
                                               "private_key", "ca_certificate"};
  for (const auto& [key, node] : table) {
    if (std::find(std::begin(kKeys), std::end(kKeys), key.str()) == std::end(kKeys)) {
      return absl::InvalidArgumentError(fmt::format("{}:{}: unknown key '{}'", file.string(),
                                                    node.source().begin.line, key.str()));
    }
  }
  SiteKit kit;
  FEDCLOAK_ASSIGN_OR_RETURN(kit.site_name, RequiredString(table, "site_name", file));
  FEDCLOAK_ASSIGN_OR_RETURN(kit.coordinator_address,
                            RequiredString(table, "coordinator_address", file));
  FEDCLOAK_ASSIGN_OR_RETURN(std::string cert, RequiredString(table, "certificate", file));
  FEDCLOAK_ASSIGN_OR_RETURN(std::string key, RequiredString(table, "private_key", file));
  FEDCLOAK_ASSIGN_OR_RETURN(std::string ca, RequiredString(table, "ca_certificate", file));
  FEDCLOAK_ASSIGN_OR_RETURN(kit.tls, LoadTlsMaterial(dir / cert, dir / key, dir / ca));
  internal::X509Ptr parsed_cert;
  FEDCLOAK_RETURN_IF_ERROR(CheckMaterial(kit.tls, &parsed_cert));
  FEDCLOAK_ASSIGN_OR_RETURN(std::string name, internal::SiteNameOf(parsed_cert.get()));
  if (name != kit.site_name) {
    return absl::InvalidArgumentError(
        fmt::format("{}: site_name '{}' differs from the certificate's name '{}'", file.string(),
                    kit.site_name, name));
  }
  return kit;
}

}  // namespace fedcloak::net
