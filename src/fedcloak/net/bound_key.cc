#include "fedcloak/net/bound_key.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <string>

#include "fedcloak/base/bytes.h"
#include "fedcloak/base/status.h"
#include "fedcloak/net/openssl_util.h"
#include "fmt/format.h"

namespace fedcloak::net {
namespace {

constexpr std::string_view kLabel = "fedcloak.net.bound-key.v1";
constexpr size_t kMaxMessageSize = 1 << 20;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

absl::StatusOr<std::vector<uint8_t>> SignedBytes(BoundKeyPurpose purpose,
                                                 std::string_view site_name,
                                                 std::span<const uint8_t> message) {
  if (message.size() > kMaxMessageSize) {
    return absl::InvalidArgumentError(fmt::format("bound-key message of {} bytes exceeds {} bytes",
                                                  message.size(), kMaxMessageSize));
  }
  std::vector<uint8_t> out;
  ByteWriter writer(&out);
  writer.PutString(kLabel);
  writer.PutU8(static_cast<uint8_t>(purpose));
  writer.PutString(site_name);
  writer.PutLengthPrefixed(message);
  return out;
}

// Ed25519 is "pure": no separate digest. Everything else here is ECDSA with SHA-256.
const EVP_MD* DigestFor(EVP_PKEY* key) {
  return EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
}

}  // namespace

absl::StatusOr<std::vector<uint8_t>> SignWithKitKey(const SiteKit& kit, BoundKeyPurpose purpose,
                                                    std::span<const uint8_t> message) {
  FEDCLOAK_ASSIGN_OR_RETURN(std::vector<uint8_t> tbs, SignedBytes(purpose, kit.site_name, message));
  FEDCLOAK_ASSIGN_OR_RETURN(internal::EvpPkeyPtr key,
                            internal::ParsePrivateKeyPem(kit.tls.private_key_pem.span()));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t size = 0;
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, DigestFor(key.get()), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size, tbs.data(), tbs.size()) != 1) {
    return absl::DataLossError(internal::OpenSslError("cannot sign with the kit key"));
  }
  std::vector<uint8_t> signature(size);
  if (EVP_DigestSign(ctx.get(), signature.data(), &size, tbs.data(), tbs.size()) != 1) {
    return absl::DataLossError(internal::OpenSslError("cannot sign with the kit key"));
  }
  signature.resize(size);
  return signature;
}

absl::Status VerifyBoundKey(std::string_view cert_pem, std::string_view ca_pem,
                            std::string_view expected_site_name, BoundKeyPurpose purpose,
                            std::span<const uint8_t> message, std::span<const uint8_t> signature) {
  FEDCLOAK_ASSIGN_OR_RETURN(internal::X509Ptr cert, internal::ParseCertificatePem(cert_pem));
  FEDCLOAK_RETURN_IF_ERROR(internal::VerifyClientCertificate(cert.get(), ca_pem));
  FEDCLOAK_ASSIGN_OR_RETURN(std::string name, internal::SiteNameOf(cert.get()));
  if (name != expected_site_name) {
    return absl::PermissionDeniedError(fmt::format("certificate names site '{}', expected '{}'",
                                                   name,
                                                   std::string(expected_site_name.substr(0, 64))));
  }
  FEDCLOAK_ASSIGN_OR_RETURN(std::vector<uint8_t> tbs, SignedBytes(purpose, name, message));
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (key == nullptr || ctx == nullptr ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, DigestFor(key), nullptr, key) != 1) {
    return absl::DataLossError(internal::OpenSslError("cannot read the certificate's key"));
  }
  if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), tbs.data(), tbs.size()) !=
      1) {
    ERR_clear_error();
    return absl::DataLossError(
        fmt::format("bound-key signature of site '{}' does not verify", name));
  }
  return absl::OkStatus();
}

}  // namespace fedcloak::net
