#include "fedcloak/net/openssl_util.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>

#include "fedcloak/net/site_name.h"
#include "fmt/format.h"

namespace fedcloak::net::internal {
namespace {

struct BioDeleter {
  void operator()(BIO* p) const { BIO_free(p); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

BioPtr ReadOnlyBio(const void* data, size_t size) {
  return BioPtr(BIO_new_mem_buf(data, static_cast<int>(size)));
}

}  // namespace

std::string OpenSslError(std::string_view what) {
  std::string out(what);
  bool first = true;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    out += first ? ": " : "; ";
    out += buf;
    first = false;
  }
  return out;
}

absl::StatusOr<X509Ptr> ParseCertificatePem(std::string_view pem) {
  if (pem.size() > (1u << 20)) {
    return absl::InvalidArgumentError(
        fmt::format("certificate PEM of {} bytes exceeds 1 MiB", pem.size()));
  }
  BioPtr bio = ReadOnlyBio(pem.data(), pem.size());
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) {
    return absl::DataLossError(OpenSslError("cannot parse certificate PEM"));
  }
  return cert;
}

absl::StatusOr<EvpPkeyPtr> ParsePrivateKeyPem(std::span<const uint8_t> pem) {
  if (pem.size() > (1u << 20)) {
    return absl::InvalidArgumentError(
        fmt::format("private key PEM of {} bytes exceeds 1 MiB", pem.size()));
  }
  BioPtr bio = ReadOnlyBio(pem.data(), pem.size());
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    ERR_clear_error();  // the queue may describe key bytes; say nothing about them
    return absl::DataLossError("cannot parse private key PEM");
  }
  return key;
}

std::string CertificatePem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

absl::StatusOr<std::string> CommonName(X509* cert) {
  X509_NAME* subject = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0) return absl::InvalidArgumentError("certificate subject has no CN");
  if (X509_NAME_get_index_by_NID(subject, NID_commonName, index) >= 0) {
    return absl::InvalidArgumentError("certificate subject has more than one CN");
  }
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<size_t>(ASN1_STRING_length(data)));
}

namespace {

template <typename Fn>
void ForEachSan(X509* cert, Fn fn) {
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) fn(sk_GENERAL_NAME_value(names, i));
  GENERAL_NAMES_free(names);
}

}  // namespace

std::vector<std::string> DnsNames(X509* cert) {
  std::vector<std::string> out;
  ForEachSan(cert, [&](GENERAL_NAME* name) {
    if (name->type != GEN_DNS) return;
    ASN1_IA5STRING* s = name->d.dNSName;
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
  });
  return out;
}

std::vector<std::string> IpAddresses(X509* cert) {
  std::vector<std::string> out;
  ForEachSan(cert, [&](GENERAL_NAME* name) {
    if (name->type != GEN_IPADD) return;
    const ASN1_OCTET_STRING* ip = name->d.iPAddress;
    const int length = ASN1_STRING_length(ip);
    char text[INET6_ADDRSTRLEN] = {};
    const int family = length == 4 ? AF_INET : length == 16 ? AF_INET6 : -1;
    if (family < 0 || inet_ntop(family, ASN1_STRING_get0_data(ip), text, sizeof(text)) == nullptr) {
      return;
    }
    out.emplace_back(text);
  });
  return out;
}

absl::Status VerifyClientCertificate(X509* cert, std::string_view ca_pem) {
  auto ca = ParseCertificatePem(ca_pem);
  if (!ca.ok()) return ca.status();
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), &X509_STORE_free);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      &X509_STORE_CTX_free);
  if (store == nullptr || ctx == nullptr || X509_STORE_add_cert(store.get(), ca->get()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), cert, nullptr) != 1 ||
      X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT) != 1) {
    return absl::InternalError(OpenSslError("cannot set up certificate verification"));
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    const int error = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return absl::PermissionDeniedError(fmt::format("certificate does not verify against the CA: {}",
                                                   X509_verify_cert_error_string(error)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> SiteNameOf(X509* cert) {
  auto cn = CommonName(cert);
  if (!cn.ok()) return absl::PermissionDeniedError(cn.status().message());
  if (absl::Status s = ValidateSiteName(*cn); !s.ok()) {
    return absl::PermissionDeniedError(fmt::format("certificate CN: {}", std::string(s.message())));
  }
  const std::vector<std::string> dns = DnsNames(cert);
  if (std::find(dns.begin(), dns.end(), *cn) == dns.end()) {
    return absl::PermissionDeniedError(
        fmt::format("certificate CN '{}' is not among its DNS subject alternative names", *cn));
  }
  return *cn;
}

void SecureWipeString(std::string* s) {
  if (!s->empty()) OPENSSL_cleanse(s->data(), s->size());
  s->clear();
}

absl::Status CheckKeyMatchesCertificate(EVP_PKEY* key, X509* cert) {
  if (X509_check_private_key(cert, key) != 1) {
    ERR_clear_error();
    return absl::DataLossError("private key does not match the certificate");
  }
  return absl::OkStatus();
}

}  // namespace fedcloak::net::internal
