#include "fedcloak/net/provision.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <set>

#include "fedcloak/base/status.h"
#include "fedcloak/net/openssl_util.h"
#include "fedcloak/net/site_name.h"
#include "fmt/format.h"
#include "fmt/ranges.h"

namespace fedcloak::net {
namespace {

using internal::EvpPkeyPtr;
using internal::OpenSslError;
using internal::X509Ptr;

bool IsIpAddress(const std::string& host) {
  std::array<uint8_t, 16> buf;
  return inet_pton(AF_INET, host.c_str(), buf.data()) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buf.data()) == 1;
}

absl::Status ValidateHost(const std::string& host) {
  if (IsIpAddress(host)) return absl::OkStatus();
  bool ok = !host.empty() && host.size() <= 253 && host.front() != '-' && host.front() != '.';
  for (char c : host) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '.');
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        fmt::format("coordinator host '{}' is neither an IP address nor a DNS name", host));
  }
  return absl::OkStatus();
}

absl::StatusOr<EvpPkeyPtr> GenerateKey(KeyType type) {
  EVP_PKEY* key = type == KeyType::kEd25519 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                                            : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (key == nullptr) return absl::InternalError(OpenSslError("key generation failed"));
  return EvpPkeyPtr(key);
}

struct CertSpec {
  std::string common_name;
  bool is_ca = false;
  std::string extended_key_usage;  // "serverAuth" / "clientAuth"; empty for the CA
  std::string subject_alt_names;   // "DNS:a,IP:127.0.0.1"; empty for the CA
};

absl::Status AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
  if (ext == nullptr || X509_add_ext(cert, ext, -1) != 1) {
    X509_EXTENSION_free(ext);
    return absl::InternalError(OpenSslError(fmt::format("cannot add extension '{}'", value)));
  }
  X509_EXTENSION_free(ext);
  return absl::OkStatus();
}

// Issues a certificate for `key` signed by `issuer_key` (issuer == nullptr: self-signed).
absl::StatusOr<X509Ptr> Issue(const CertSpec& spec, EVP_PKEY* key, X509* issuer,
                              EVP_PKEY* issuer_key, absl::Duration validity, SecureRandom& random) {
  X509Ptr cert(X509_new());
  std::array<uint8_t, 16> serial;
  random.Fill(serial);
  serial[0] &= 0x7f;  // positive
  serial[0] |= 0x01;  // no leading zero byte
  BIGNUM* bn = BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr);
  const bool serial_ok = bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto* cn = reinterpret_cast<const unsigned char*>(spec.common_name.c_str());
  if (!serial_ok || X509_set_version(cert.get(), 2) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, cn, -1, -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name) !=
          1 ||
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                      static_cast<long>(absl::ToInt64Seconds(validity))) == nullptr ||
      X509_set_pubkey(cert.get(), key) != 1) {
    return absl::InternalError(OpenSslError("cannot fill certificate fields"));
  }
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  FEDCLOAK_RETURN_IF_ERROR(
      AddExtension(cert.get(), &ctx, NID_basic_constraints,
                   spec.is_ca ? "critical,CA:TRUE,pathlen:0" : "critical,CA:FALSE"));
  FEDCLOAK_RETURN_IF_ERROR(
      AddExtension(cert.get(), &ctx, NID_key_usage,
                   spec.is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature"));
  FEDCLOAK_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_subject_key_identifier, "hash"));
  if (!spec.is_ca) {
    FEDCLOAK_RETURN_IF_ERROR(
        AddExtension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always"));
    FEDCLOAK_RETURN_IF_ERROR(
        AddExtension(cert.get(), &ctx, NID_ext_key_usage, spec.extended_key_usage));
    FEDCLOAK_RETURN_IF_ERROR(
        AddExtension(cert.get(), &ctx, NID_subject_alt_name, spec.subject_alt_names));
  }
  // Ed25519 signs without a separate digest.
  const EVP_MD* md = EVP_PKEY_get_id(issuer_key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
  if (X509_sign(cert.get(), issuer_key, md) <= 0) {
    return absl::InternalError(OpenSslError("cannot sign certificate"));
  }
  return cert;
}

// Writes `data` to a new file with `mode`; fails if it exists. The mode is given to
// open() itself, so a private key is never readable by others, not even briefly.
absl::Status WriteNewFile(const std::filesystem::path& path, std::span<const uint8_t> data,
                          mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) {
    const int error = errno;
    const std::string message =
        fmt::format("cannot create {}: {}", path.string(), std::strerror(error));
    return error == EEXIST   ? absl::AlreadyExistsError(message)
           : error == EACCES ? absl::PermissionDeniedError(message)
                             : absl::InternalError(message);
  }
  size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = errno;
      ::close(fd);
      return absl::InternalError(
          fmt::format("cannot write {}: {}", path.string(), std::strerror(error)));
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return absl::InternalError(fmt::format("cannot close {}", path.string()));
  }
  return absl::OkStatus();
}

absl::Status WriteText(const std::filesystem::path& path, std::string_view text) {
  return WriteNewFile(path, {reinterpret_cast<const uint8_t*>(text.data()), text.size()}, 0644);
}

absl::Status WritePrivateKey(const std::filesystem::path& path, EVP_PKEY* key) {
  // The secure-memory BIO is wiped when freed.
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_secmem()), &BIO_free);
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return absl::InternalError(OpenSslError("cannot encode private key"));
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return WriteNewFile(path, {reinterpret_cast<const uint8_t*>(data), static_cast<size_t>(size)},
                      0600);
}

absl::Status MakeDirectory(const std::filesystem::path& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::InternalError(
        fmt::format("cannot create directory {}: {}", path.string(), std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status ValidateOptions(const ProvisionOptions& options) {
  if (options.output_dir.empty()) return absl::InvalidArgumentError("output directory is empty");
  if (options.sites.empty()) return absl::InvalidArgumentError("no sites to provision");
  if (options.coordinator_hosts.empty()) {
    return absl::InvalidArgumentError("no coordinator host names given");
  }
  if (options.validity <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        fmt::format("validity of {} is not positive", absl::FormatDuration(options.validity)));
  }
  std::set<std::string> seen;
  for (const std::string& site : options.sites) {
    FEDCLOAK_RETURN_IF_ERROR(ValidateSiteName(site));
    if (!seen.insert(site).second) {
      return absl::InvalidArgumentError(fmt::format("site '{}' is listed twice", site));
    }
  }
  for (const std::string& host : options.coordinator_hosts) {
    FEDCLOAK_RETURN_IF_ERROR(ValidateHost(host));
  }
  return absl::OkStatus();
}

std::string KitToml(const std::string& site, const std::string& address) {
  return fmt::format(
      "# fedcloak site startup kit (written by `fedcloak provision`).\n"
      "# Keep site.key secret: it is this site's identity in the federation.\n"
      "site_name = \"{}\"\n"
      "coordinator_address = \"{}\"\n"
      "certificate = \"site.pem\"\n"
      "private_key = \"site.key\"\n"
      "ca_certificate = \"ca.pem\"\n",
      site, address);
}

}  // namespace

absl::StatusOr<ProvisionResult> Provision(const ProvisionOptions& options, SecureRandom& random) {
  FEDCLOAK_RETURN_IF_ERROR(ValidateOptions(options));
  const std::filesystem::path& out = options.output_dir;
  ProvisionResult result;
  result.ca_certificate = out / "ca" / "ca.pem";
  result.coordinator_dir = out / "coordinator";
  for (const std::string& site : options.sites) result.kits[site] = out / "sites" / site;

  // Refuse before writing anything if a single target exists (O_EXCL backs this up).
  std::vector<std::filesystem::path> targets = {out / "ca" / "ca.key", result.ca_certificate,
                                                result.coordinator_dir / "coordinator.key",
                                                result.coordinator_dir / "coordinator.pem"};
  for (const auto& [site, dir] : result.kits) {
    targets.push_back(dir / "site.key");
    targets.push_back(dir / "kit.toml");
  }
  for (const auto& path : targets) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec) || std::filesystem::is_symlink(path, ec)) {
      return absl::AlreadyExistsError(
          fmt::format("{} already exists; refusing to overwrite keys of an existing federation",
                      path.string()));
    }
  }
  for (const auto& dir : {out, out / "ca", result.coordinator_dir, out / "sites"}) {
    FEDCLOAK_RETURN_IF_ERROR(MakeDirectory(dir));
  }

  FEDCLOAK_ASSIGN_OR_RETURN(EvpPkeyPtr ca_key, GenerateKey(options.key_type));
  FEDCLOAK_ASSIGN_OR_RETURN(
      X509Ptr ca_cert, Issue({.common_name = fmt::format("fedcloak CA {}", options.federation_name),
                              .is_ca = true,
                              .extended_key_usage = "",
                              .subject_alt_names = ""},
                             ca_key.get(), nullptr, ca_key.get(), options.validity, random));
  const std::string ca_pem = internal::CertificatePem(ca_cert.get());
  FEDCLOAK_RETURN_IF_ERROR(WritePrivateKey(out / "ca" / "ca.key", ca_key.get()));
  FEDCLOAK_RETURN_IF_ERROR(WriteText(result.ca_certificate, ca_pem));

  std::vector<std::string> sans;
  std::set<std::string> hosts(options.coordinator_hosts.begin(), options.coordinator_hosts.end());
  hosts.insert("127.0.0.1");
  for (const std::string& host : hosts) {
    sans.push_back(fmt::format("{}:{}", IsIpAddress(host) ? "IP" : "DNS", host));
  }
  FEDCLOAK_ASSIGN_OR_RETURN(EvpPkeyPtr coordinator_key, GenerateKey(options.key_type));
  FEDCLOAK_ASSIGN_OR_RETURN(
      X509Ptr coordinator_cert,
      Issue({.common_name = options.coordinator_hosts.front(),
             .extended_key_usage = "serverAuth",
             .subject_alt_names = fmt::format("{}", fmt::join(sans, ","))},
            coordinator_key.get(), ca_cert.get(), ca_key.get(), options.validity, random));
  FEDCLOAK_RETURN_IF_ERROR(
      WritePrivateKey(result.coordinator_dir / "coordinator.key", coordinator_key.get()));
  FEDCLOAK_RETURN_IF_ERROR(WriteText(result.coordinator_dir / "coordinator.pem",
                                     internal::CertificatePem(coordinator_cert.get())));
  FEDCLOAK_RETURN_IF_ERROR(WriteText(result.coordinator_dir / "ca.pem", ca_pem));

  const std::string& first_host = options.coordinator_hosts.front();
  const std::string address = first_host.find(':') != std::string::npos
                                  ? fmt::format("[{}]:{}", first_host, options.coordinator_port)
                                  : fmt::format("{}:{}", first_host, options.coordinator_port);
  for (const auto& [site, dir] : result.kits) {
    FEDCLOAK_RETURN_IF_ERROR(MakeDirectory(dir));
    FEDCLOAK_ASSIGN_OR_RETURN(EvpPkeyPtr key, GenerateKey(options.key_type));
    FEDCLOAK_ASSIGN_OR_RETURN(
        X509Ptr cert, Issue({.common_name = site,
                             .extended_key_usage = "clientAuth",
                             .subject_alt_names = fmt::format("DNS:{}", site)},
                            key.get(), ca_cert.get(), ca_key.get(), options.validity, random));
    FEDCLOAK_RETURN_IF_ERROR(WritePrivateKey(dir / "site.key", key.get()));
    FEDCLOAK_RETURN_IF_ERROR(WriteText(dir / "site.pem", internal::CertificatePem(cert.get())));
    FEDCLOAK_RETURN_IF_ERROR(WriteText(dir / "ca.pem", ca_pem));
    FEDCLOAK_RETURN_IF_ERROR(WriteText(dir / "kit.toml", KitToml(site, address)));
  }
  return result;
}

}  // namespace fedcloak::net
