#include "fedcloak/net/grpc_util.h"

#include <grpc/support/log.h>

#include <cstdlib>
#include <mutex>
#include <string_view>

#include "absl/synchronization/mutex.h"
#include "fedcloak/net/logger.h"
#include "fedcloak/net/openssl_util.h"

namespace fedcloak::net {
namespace {

// gRPC's log hook is a plain function pointer, so the target must be global.
absl::Mutex grpc_log_mu(absl::kConstInit);
Logger* grpc_logger ABSL_GUARDED_BY(grpc_log_mu) = nullptr;

void ForwardGrpcLog(gpr_log_func_args* args) {
  absl::MutexLock lock(&grpc_log_mu);
  if (grpc_logger == nullptr || !*grpc_logger) return;
  const LogLevel level = args->severity == GPR_LOG_SEVERITY_ERROR  ? LogLevel::kWarning
                         : args->severity == GPR_LOG_SEVERITY_INFO ? LogLevel::kInfo
                                                                   : LogLevel::kDebug;
  (*grpc_logger)(level, std::string("grpc: ") + (args->message ? args->message : ""));
}

}  // namespace

void RouteGrpcLogsTo(Logger logger) {
  {
    absl::MutexLock lock(&grpc_log_mu);
    delete grpc_logger;
    grpc_logger = new Logger(std::move(logger));
  }
  gpr_set_log_function(&ForwardGrpcLog);
}

}  // namespace fedcloak::net

namespace fedcloak::net::internal {
namespace {

std::string KeyString(const TlsMaterial& tls) {
  return std::string(reinterpret_cast<const char*>(tls.private_key_pem.data()),
                     tls.private_key_pem.size());
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

int MaxMessageBytes(size_t max_chunk_bytes) {
  constexpr size_t kEnvelope = 4096;  // Chunk header fields and protobuf tags
  return static_cast<int>(max_chunk_bytes + kEnvelope);
}

void RequireTls13() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Not an empty list: SSL_CTX_set_cipher_list fails without a TLS 1.2 suite it
    // knows. OpenSSL skips PSK suites when no PSK callback is set (a server answers
    // "no shared cipher", a client does not offer them).
    ::setenv("GRPC_SSL_CIPHER_SUITES", "PSK-AES256-GCM-SHA384:PSK-AES128-GCM-SHA256",
             /*overwrite=*/1);
  });
}

std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(const TlsMaterial& tls) {
  RequireTls13();
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = tls.ca_certificate_pem;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair{KeyString(tls), tls.certificate_pem};
  options.pem_key_cert_pairs.push_back(pair);
  SecureWipeString(&pair.private_key);
  auto credentials = grpc::SslServerCredentials(options);
  SecureWipeString(&options.pem_key_cert_pairs.front().private_key);
  return credentials;
}

std::shared_ptr<grpc::ChannelCredentials> MakeChannelCredentials(const TlsMaterial& tls) {
  RequireTls13();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = tls.ca_certificate_pem;
  options.pem_private_key = KeyString(tls);
  options.pem_cert_chain = tls.certificate_pem;
  auto credentials = grpc::SslCredentials(options);
  SecureWipeString(&options.pem_private_key);
  return credentials;
}

std::string TargetNameFor(const std::string& address, const std::string& override_name) {
  if (!override_name.empty()) return override_name;
  std::string_view a = address;
  if (a.starts_with("ipv4:")) a.remove_prefix(5);
  if (a.starts_with("dns:///")) a.remove_prefix(7);
  if (a.starts_with("[")) {
    const size_t end = a.find(']');
    return std::string(a.substr(1, end == std::string_view::npos ? a.size() - 1 : end - 1));
  }
  const size_t colon = a.rfind(':');
  return std::string(colon == std::string_view::npos ? a : a.substr(0, colon));
}

}  // namespace fedcloak::net::internal
