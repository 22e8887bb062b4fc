#include "fedcloak/net/coordinator_server.h"

#include <grpcpp/grpcpp.h>

#include <map>
#include <thread>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "fedcloak/base/status.h"
#include "fedcloak/net/grpc_util.h"
#include "fedcloak/net/openssl_util.h"
#include "fedcloak/net/site_name.h"
#include "fedcloak/net/site_registry.h"
#include "fedcloak/net/site_session.h"
#include "fedcloak/net/v1/site_link.grpc.pb.h"
#include "fmt/format.h"

namespace fedcloak::net {
namespace {

using internal::Log;
using internal::SiteRegistry;
using internal::SiteSession;

constexpr uint32_t kProtocolVersion = 1;
using ServerStream = grpc::ServerReaderWriter<v1::CoordinatorMessage, v1::SiteMessage>;

class GrpcSessionStream final : public internal::SessionStream {
 public:
  GrpcSessionStream(grpc::ServerContext* context, ServerStream* stream)
      : context_(context), stream_(stream) {}
  bool Write(const v1::CoordinatorMessage& message) override { return stream_->Write(message); }
  void Cancel() override { context_->TryCancel(); }

 private:
  grpc::ServerContext* context_;
  ServerStream* stream_;
};

uint32_t Millis(absl::Duration d) { return static_cast<uint32_t>(absl::ToInt64Milliseconds(d)); }

}  // namespace

struct CoordinatorServer::Impl final : public v1::SiteLink::Service {
  CoordinatorOptions options;
  std::shared_ptr<SiteRegistry> registry;
  std::map<std::string, std::shared_ptr<fl::SiteHandle>, std::less<>> handles;
  internal::TrafficCounters traffic;
  std::unique_ptr<grpc::Server> server;
  int port = 0;

  absl::Mutex mu;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  std::thread monitor;

  grpc::Status Connect(grpc::ServerContext* context, ServerStream* stream) override;
  grpc::Status Serve(const std::shared_ptr<SiteSession>& session, ServerStream* stream);
  void MonitorLoop();
};

grpc::Status CoordinatorServer::Impl::Connect(grpc::ServerContext* context, ServerStream* stream) {
  const std::string peer = context->peer();
  auto reject = [&](grpc::StatusCode code, const std::string& message) {
    Log(options.logger, LogLevel::kWarning, fmt::format("rejected {}: {}", peer, message));
    return grpc::Status(code, message);
  };
  std::shared_ptr<const grpc::AuthContext> auth = context->auth_context();
  std::vector<grpc::string_ref> pems =
      auth ? auth->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME)
           : std::vector<grpc::string_ref>();
  if (pems.size() != 1) {
    return reject(grpc::StatusCode::UNAUTHENTICATED, "no client certificate");
  }
  const std::string pem(pems.front().data(), pems.front().size());
  auto cert = internal::ParseCertificatePem(pem);
  if (!cert.ok()) {
    return reject(grpc::StatusCode::UNAUTHENTICATED, "unreadable client certificate");
  }
  auto name = internal::SiteNameOf(cert->get());
  if (!name.ok()) {
    return reject(grpc::StatusCode::PERMISSION_DENIED, std::string(name.status().message()));
  }

  GrpcSessionStream adapter(context, stream);
  auto session =
      std::make_shared<SiteSession>(*name, pem, options.limits, options.logger, &adapter, &traffic);
  registry->Track(session);
  grpc::Status status = Serve(session, stream);
  registry->Remove(session.get());
  session->Detach();
  registry->Untrack(session.get());
  if (!status.ok()) {
    Log(options.logger, LogLevel::kWarning,
        fmt::format("ended stream of site '{}' ({}): {}", *name, peer, status.error_message()));
  } else {
    Log(options.logger, LogLevel::kInfo, fmt::format("site '{}' disconnected", *name));
  }
  return status;
}

grpc::Status CoordinatorServer::Impl::Serve(const std::shared_ptr<SiteSession>& shared_session,
                                            ServerStream* stream) {
  SiteSession& session = *shared_session;
  const std::string& name = session.site_name();
  v1::SiteMessage message;
  if (!stream->Read(&message)) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "stream ended before registration");
  }
  traffic.bytes_in.fetch_add(message.ByteSizeLong(), std::memory_order_relaxed);
  if (!message.has_registration()) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "the first message on a stream must be a registration");
  }
  const v1::Registration& registration = message.registration();
  if (registration.protocol_version() != kProtocolVersion) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        fmt::format("protocol version {} is not supported; this coordinator "
                                    "speaks version {}",
                                    registration.protocol_version(), kProtocolVersion));
  }
  if (registration.site_name() != name) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        fmt::format("registration names site '{}' but the certificate names '{}'",
                                    registration.site_name().substr(0, 64), name));
  }
  if (!registry->IsAllowed(name)) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        fmt::format("site '{}' is not part of this run", name));
  }
  v1::CoordinatorMessage registered;
  registered.mutable_registered()->set_protocol_version(kProtocolVersion);
  registered.mutable_registered()->set_heartbeat_interval_ms(Millis(options.heartbeat_interval));
  registered.mutable_registered()->set_heartbeat_timeout_ms(Millis(options.heartbeat_timeout));
  registered.mutable_registered()->set_max_chunk_bytes(
      static_cast<uint32_t>(options.limits.max_chunk_bytes));
  registered.mutable_registered()->set_max_payload_bytes(options.limits.max_payload_bytes);
  if (!session.Send(registered)) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "stream ended during registration");
  }
  session.MarkRegistered();
  // Visible to callers only now, so that no task can overtake Registered.
  absl::StatusOr<std::shared_ptr<SiteSession>> previous = registry->Install(shared_session);
  if (!previous.ok()) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, std::string(previous.status().message()));
  }
  if (*previous != nullptr) {
    Log(options.logger, LogLevel::kWarning,
        fmt::format("site '{}' connected again; its previous stream is replaced", name));
    (*previous)->Close(absl::UnavailableError("replaced by a newer connection of the same site"));
  }
  Log(options.logger, LogLevel::kInfo, fmt::format("site '{}' registered", name));

  while (stream->Read(&message)) {
    absl::Status handled = session.HandleMessage(message);
    if (!handled.ok()) return internal::ToGrpcStatus(handled);
  }
  return grpc::Status::OK;
}

void CoordinatorServer::Impl::MonitorLoop() {
  const absl::Duration tick = std::min(options.heartbeat_interval / 2, absl::Milliseconds(250));
  absl::MutexLock lock(&mu);
  while (!stopping) {
    mu.AwaitWithTimeout(absl::Condition(&stopping), tick);
    if (stopping) break;
    mu.Unlock();
    const absl::Time now = absl::Now();
    for (const auto& session : registry->Tracked()) {
      if (session->closed()) continue;
      const absl::Duration silence = now - session->last_heard();
      if (silence > options.heartbeat_timeout) {
        Log(options.logger, LogLevel::kWarning,
            fmt::format("site '{}' silent for {}; disconnecting it", session->site_name(),
                        absl::FormatDuration(silence)));
        session->Close(absl::UnavailableError(
            fmt::format("no message for {}", absl::FormatDuration(silence))));
      } else {
        session->SendHeartbeat();
      }
    }
    mu.Lock();
  }
}

absl::StatusOr<std::unique_ptr<CoordinatorServer>> CoordinatorServer::Start(
    CoordinatorOptions options) {
  if (options.sites.empty()) return absl::InvalidArgumentError("the run has no sites");
  for (const std::string& site : options.sites) FEDCLOAK_RETURN_IF_ERROR(ValidateSiteName(site));
  if (options.limits.max_chunk_bytes == 0 || options.limits.max_chunk_bytes > (64u << 20)) {
    return absl::InvalidArgumentError(fmt::format("max_chunk_bytes of {} is outside 1 to 64 MiB",
                                                  options.limits.max_chunk_bytes));
  }
  if (options.heartbeat_interval < absl::Milliseconds(10) ||
      options.heartbeat_timeout <= options.heartbeat_interval) {
    return absl::InvalidArgumentError(
        fmt::format("heartbeat interval {} must be at least 10ms and below the timeout {}",
                    absl::FormatDuration(options.heartbeat_interval),
                    absl::FormatDuration(options.heartbeat_timeout)));
  }
  FEDCLOAK_RETURN_IF_ERROR(ValidateTlsMaterial(options.tls));

  auto impl = std::make_unique<Impl>();
  impl->registry = std::make_shared<SiteRegistry>(options.sites);
  for (const std::string& site : impl->registry->allowed()) {
    impl->handles[site] = std::make_shared<internal::RemoteSite>(site, impl->registry);
  }
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen_address, internal::MakeServerCredentials(options.tls),
                           &impl->port);
  builder.RegisterService(impl.get());
  const int max_message = internal::MaxMessageBytes(options.limits.max_chunk_bytes);
  builder.SetMaxReceiveMessageSize(max_message);
  builder.SetMaxSendMessageSize(max_message);
  impl->options = std::move(options);
  impl->server = builder.BuildAndStart();
  if (impl->server == nullptr || impl->port == 0) {
    return absl::UnavailableError(fmt::format("cannot listen on {}", impl->options.listen_address));
  }
  Impl* raw = impl.get();
  impl->monitor = std::thread([raw] { raw->MonitorLoop(); });
  Log(raw->options.logger, LogLevel::kInfo,
      fmt::format("coordinator listening on port {} for {} sites", raw->port, raw->handles.size()));
  return std::unique_ptr<CoordinatorServer>(new CoordinatorServer(std::move(impl)));
}

CoordinatorServer::CoordinatorServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

CoordinatorServer::~CoordinatorServer() { Shutdown(); }

int CoordinatorServer::port() const { return impl_->port; }

absl::StatusOr<std::shared_ptr<fl::SiteHandle>> CoordinatorServer::Site(
    std::string_view name) const {
  auto it = impl_->handles.find(name);
  if (it == impl_->handles.end()) {
    return absl::NotFoundError(
        fmt::format("site '{}' is not part of this run", std::string(name.substr(0, 64))));
  }
  return it->second;
}

std::vector<std::string> CoordinatorServer::ConnectedSites() const {
  return impl_->registry->Connected();
}

absl::StatusOr<std::vector<std::string>> CoordinatorServer::WaitForSites(
    size_t count, absl::Duration timeout) const {
  return impl_->registry->WaitFor(count, timeout);
}

absl::StatusOr<std::string> CoordinatorServer::SiteCertificatePem(std::string_view name) const {
  return impl_->registry->CertificateOf(name);
}

TrafficStats CoordinatorServer::traffic() const {
  return TrafficStats{.bytes_in = impl_->traffic.bytes_in.load(),
                      .bytes_out = impl_->traffic.bytes_out.load()};
}

void CoordinatorServer::Shutdown() {
  {
    absl::MutexLock lock(&impl_->mu);
    if (impl_->stopping) return;
    impl_->stopping = true;
  }
  impl_->monitor.join();
  impl_->registry->CloseAll(absl::UnavailableError("coordinator shutting down"));
  impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  impl_->server->Wait();
  Log(impl_->options.logger, LogLevel::kInfo, "coordinator stopped");
}

}  // namespace fedcloak::net
