// gRPC plumbing shared by the coordinator server and the site agent: status
// conversion, credentials from PEM material, message-size arguments. Internal.
#ifndef FEDCLOAK_NET_GRPC_UTIL_H_
#define FEDCLOAK_NET_GRPC_UTIL_H_

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "fedcloak/net/tls_material.h"

namespace fedcloak::net::internal {

// absl and gRPC share the canonical code numbers.
grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

// Largest serialized message either side accepts: one chunk plus its envelope.
int MaxMessageBytes(size_t max_chunk_bytes);

// Makes gRPC's SSL connections in this process TLS 1.3 only. gRPC 1.51 has no setter
// for the minimum protocol version, so this sets GRPC_SSL_CIPHER_SUITES (which gRPC
// reads once, when it first builds an SSL context, and hands to
// SSL_CTX_set_cipher_list, i.e. TLS <= 1.2 suites only) to PSK suites: gRPC installs no
// PSK callback, so OpenSSL never agrees on a TLS 1.2 suite, while TLS 1.3 suites stay
// at OpenSSL's defaults. Overrides a value the user set, since any other list would
// re-enable TLS 1.2. Runs once (std::call_once). No effect if gRPC already built SSL
// credentials in this process, so MakeServerCredentials / MakeChannelCredentials call
// it first (a server's Start, an agent's first connection). It calls setenv once; as
// with any setenv, a getenv on another thread at that very moment is a data race.
// Test: net_tls_version_test; doc/threat_model.md, "Transport".
void RequireTls13();

// Mutual TLS 1.3 (RequireTls13), client certificate required and verified against the
// CA.
std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(const TlsMaterial& tls);
std::shared_ptr<grpc::ChannelCredentials> MakeChannelCredentials(const TlsMaterial& tls);

// The name the site checks the coordinator's certificate against: the host part of
// "host:port" / "[v6]:port", unless `override_name` is set.
std::string TargetNameFor(const std::string& address, const std::string& override_name);

}  // namespace fedcloak::net::internal

#endif  // FEDCLOAK_NET_GRPC_UTIL_H_
