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

// Mutual TLS, client certificate required and verified against the CA. gRPC 1.51
// offers no way to raise the minimum protocol version above TLS 1.2 (see
// doc/threat_model.md, "Transport"); both of our ends negotiate TLS 1.3.
std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(const TlsMaterial& tls);
std::shared_ptr<grpc::ChannelCredentials> MakeChannelCredentials(const TlsMaterial& tls);

// The name the site checks the coordinator's certificate against: the host part of
// "host:port" / "[v6]:port", unless `override_name` is set.
std::string TargetNameFor(const std::string& address, const std::string& override_name);

}  // namespace fedcloak::net::internal

#endif  // FEDCLOAK_NET_GRPC_UTIL_H_
