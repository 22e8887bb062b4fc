// Both ends of the site link speak TLS 1.3 only (internal::RequireTls13). A raw OpenSSL
// client holding a valid site certificate but capped at TLS 1.2 is refused by a real
// CoordinatorServer; a raw OpenSSL server holding the coordinator's certificate but
// capped at TLS 1.2 is refused by the site's gRPC channel. The same peers with TLS 1.3
// allowed succeed, so a failure is the protocol version, not the test's setup.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "fedcloak/base/check.h"
#include "fedcloak/base/status_matchers.h"
#include "fedcloak/net/coordinator_server.h"
#include "fedcloak/net/grpc_util.h"
#include "fedcloak/net/logger.h"
#include "fedcloak/net/openssl_util.h"
#include "fedcloak/net/test_pki.h"
#include "fmt/format.h"

namespace fedcloak::net {
namespace {

using ::fedcloak::testing::IsOk;
using testing::AgentThread;
using testing::EchoHandler;
using testing::FastAgentOptions;
using testing::FastCoordinatorOptions;
using ::testing::HasSubstr;
using testing::TestPki;

// A user (or a stale shell profile) who allows TLS 1.2 suites through gRPC's own
// variable, set before main() as an inherited environment would be. RequireTls13 must
// override it, so every test below also checks that. Also ignores SIGPIPE: the raw
// OpenSSL peers below write to sockets that gRPC may already have closed.
[[maybe_unused]] const bool kProcessSetUp = [] {
  ::setenv("GRPC_SSL_CIPHER_SUITES", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256",
           /*overwrite=*/1);
  ::signal(SIGPIPE, SIG_IGN);
  return true;
}();

// Collects gRPC's log lines (RouteGrpcLogsTo), to see why gRPC refused a handshake.
class GrpcLogCollector {
 public:
  GrpcLogCollector() : state_(std::make_shared<State>()) {
    RouteGrpcLogsTo([state = state_](LogLevel, std::string_view line) {
      absl::MutexLock lock(&state->mu);
      state->lines.append(line).append("\n");
    });
  }
  ~GrpcLogCollector() { RouteGrpcLogsTo(nullptr); }
  GrpcLogCollector(const GrpcLogCollector&) = delete;
  GrpcLogCollector& operator=(const GrpcLogCollector&) = delete;

  // Waits up to 5 s for a line containing `text`; returns everything logged so far.
  std::string WaitFor(std::string_view text) {
    absl::MutexLock lock(&state_->mu);
    auto logged = [&] { return state_->lines.find(text) != std::string::npos; };
    state_->mu.AwaitWithTimeout(absl::Condition(&logged), absl::Seconds(5));
    return state_->lines;
  }

 private:
  struct State {
    absl::Mutex mu;
    std::string lines ABSL_GUARDED_BY(mu);
  };
  std::shared_ptr<State> state_;
};

struct SslCtxDeleter {
  void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
};
struct SslDeleter {
  void operator()(SSL* p) const { SSL_free(p); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;
using SslPtr = std::unique_ptr<SSL, SslDeleter>;

// Closes a socket descriptor.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

void SetTimeouts(int fd) {
  timeval tv{};
  tv.tv_sec = 10;  // a test never hangs on a silent peer
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

// An OpenSSL context presenting `tls`'s certificate, verifying the peer against its CA
// (a server also requires a client certificate), offering at most `max_version`.
SslCtxPtr MakeContext(bool server, const TlsMaterial& tls, int max_version) {
  SslCtxPtr ctx(SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()));
  FEDCLOAK_CHECK(ctx != nullptr);
  auto cert = internal::ParseCertificatePem(tls.certificate_pem);
  auto key = internal::ParsePrivateKeyPem(tls.private_key_pem);
  auto ca = internal::ParseCertificatePem(tls.ca_certificate_pem);
  FEDCLOAK_CHECK(cert.ok() && key.ok() && ca.ok());
  FEDCLOAK_CHECK(SSL_CTX_use_certificate(ctx.get(), cert->get()) == 1);
  FEDCLOAK_CHECK(SSL_CTX_use_PrivateKey(ctx.get(), key->get()) == 1);
  FEDCLOAK_CHECK(X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx.get()), ca->get()) == 1);
  SSL_CTX_set_verify(ctx.get(),
                     server ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_PEER,
                     nullptr);
  FEDCLOAK_CHECK(SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) == 1);
  FEDCLOAK_CHECK(SSL_CTX_set_max_proto_version(ctx.get(), max_version) == 1);
  return ctx;
}

struct Handshake {
  bool ok = false;
  int version = 0;           // SSL_version() after a completed handshake
  std::string error;         // OpenSSL's error queue otherwise
  bool spoke_http2 = false;  // client only: the server answered with an HTTP/2 SETTINGS frame
};

// Connects to 127.0.0.1:port as a gRPC client would at the TLS level (ALPN "h2").
// After a completed handshake, sends the HTTP/2 connection preface and reads the
// server's first frame: only a server that accepted our certificate (TLS 1.3 checks
// it after the client's Finished) and the connection gets that far.
Handshake ClientHandshake(SSL_CTX* ctx, int port) {
  Handshake result;
  Fd fd(::socket(AF_INET, SOCK_STREAM, 0));
  FEDCLOAK_CHECK(fd.get() >= 0);
  SetTimeouts(fd.get());
  const sockaddr_in address = Loopback(port);
  FEDCLOAK_CHECK(
      ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0);
  SslPtr ssl(SSL_new(ctx));
  FEDCLOAK_CHECK(ssl != nullptr && SSL_set_fd(ssl.get(), fd.get()) == 1);
  FEDCLOAK_CHECK(X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), "127.0.0.1") == 1);
  static const unsigned char kAlpn[] = {2, 'h', '2'};
  FEDCLOAK_CHECK(SSL_set_alpn_protos(ssl.get(), kAlpn, sizeof(kAlpn)) == 0);
  ERR_clear_error();
  if (SSL_connect(ssl.get()) != 1) {
    result.error = internal::OpenSslError("SSL_connect");
    return result;
  }
  result.ok = true;
  result.version = SSL_version(ssl.get());
  // Client preface (RFC 9113, 3.4) and an empty SETTINGS frame (type 4, stream 0).
  static const char kPreface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\4\0\0\0\0\0";
  const int preface_size = static_cast<int>(sizeof(kPreface) - 1);
  if (SSL_write(ssl.get(), kPreface, preface_size) != preface_size) return result;
  unsigned char frame_header[9];
  size_t read = 0;
  while (read < sizeof(frame_header)) {
    const int n =
        SSL_read(ssl.get(), frame_header + read, static_cast<int>(sizeof(frame_header) - read));
    if (n <= 0) return result;
    read += static_cast<size_t>(n);
  }
  result.spoke_http2 = frame_header[3] == 4;  // the server's SETTINGS
  SSL_shutdown(ssl.get());
  return result;
}

// Accepts one TCP connection on 127.0.0.1 (ephemeral port) within 10 s and runs the
// server side of the TLS handshake on it, on its own thread.
class OneShotTlsServer {
 public:
  explicit OneShotTlsServer(SslCtxPtr ctx)
      : ctx_(std::move(ctx)), listener_(::socket(AF_INET, SOCK_STREAM, 0)) {
    FEDCLOAK_CHECK(listener_.get() >= 0);
    sockaddr_in address = Loopback(0);
    FEDCLOAK_CHECK(
        ::bind(listener_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0);
    FEDCLOAK_CHECK(::listen(listener_.get(), 4) == 0);
    socklen_t length = sizeof(address);
    FEDCLOAK_CHECK(::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&address), &length) ==
                   0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] {
      result_ = AcceptOne();
      done_.store(true);
    });
  }
  ~OneShotTlsServer() {
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }
  bool done() const { return done_.load(); }
  Handshake Wait() {
    thread_.join();
    return result_;
  }

 private:
  Handshake AcceptOne() {
    Handshake result;
    pollfd waiting{listener_.get(), POLLIN, 0};
    if (::poll(&waiting, 1, 10000) != 1) {
      result.error = "no connection within 10 s";
      return result;
    }
    Fd fd(::accept(listener_.get(), nullptr, nullptr));
    FEDCLOAK_CHECK(fd.get() >= 0);
    SetTimeouts(fd.get());
    SslPtr ssl(SSL_new(ctx_.get()));
    FEDCLOAK_CHECK(ssl != nullptr && SSL_set_fd(ssl.get(), fd.get()) == 1);
    ERR_clear_error();
    if (SSL_accept(ssl.get()) != 1) {
      result.error = internal::OpenSslError("SSL_accept");
      return result;
    }
    result.ok = true;
    result.version = SSL_version(ssl.get());
    return result;
  }

  SslCtxPtr ctx_;
  Fd listener_;
  int port_ = 0;
  Handshake result_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// Lets the site's gRPC channel (the credentials SiteAgent uses) dial `server` and
// returns how the server's side of the handshake ended.
Handshake DialWithSiteChannel(const TlsMaterial& site_tls, OneShotTlsServer& server) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel = grpc::CreateCustomChannel(fmt::format("127.0.0.1:{}", server.port()),
                                           internal::MakeChannelCredentials(site_tls), args);
  // Never gets READY (no HTTP/2 behind the server). Waiting on the channel also drives
  // its I/O; without a poller gRPC only notices the server's reply every 5 s.
  while (!server.done()) {
    channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::milliseconds(20));
  }
  return server.Wait();
}

class NetTlsVersionTest : public ::testing::Test {
 protected:
  NetTlsVersionTest() : pki_({"a"}) {}

  std::unique_ptr<CoordinatorServer> StartServer() {
    auto server = CoordinatorServer::Start(FastCoordinatorOptions(pki_, {"a"}));
    EXPECT_THAT(server, IsOk());
    return server.ok() ? std::move(*server) : nullptr;
  }

  TestPki pki_;
};

TEST_F(NetTlsVersionTest, CoordinatorRefusesTls12ClientWithValidCertificate) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  GrpcLogCollector grpc_log;
  SslCtxPtr tls12 = MakeContext(/*server=*/false, pki_.Kit("a").tls, TLS1_2_VERSION);
  const Handshake handshake = ClientHandshake(tls12.get(), server->port());
  EXPECT_FALSE(handshake.ok) << "negotiated version 0x" << std::hex << handshake.version;
  // gRPC closes without sending the alert; its log says why: the suites, not a
  // refused connection or a certificate problem.
  EXPECT_THAT(grpc_log.WaitFor("no shared cipher"), HasSubstr("no shared cipher"));
}

// The TLS 1.2 suites internal::RequireTls13 leaves to gRPC.
constexpr char kPskSuites[] = "PSK-AES256-GCM-SHA384:PSK-AES128-GCM-SHA256";
constexpr unsigned int kPskBytes = 32;

// A TLS 1.2 client that offers exactly kPskSuites, with a PSK of 32 bytes 0x5a.
SslCtxPtr PskTls12ClientContext(const TlsMaterial& tls) {
  SslCtxPtr ctx = MakeContext(/*server=*/false, tls, TLS1_2_VERSION);
  FEDCLOAK_CHECK(SSL_CTX_set_cipher_list(ctx.get(), kPskSuites) == 1);
  SSL_CTX_set_psk_client_callback(
      ctx.get(),
      [](SSL*, const char*, char* identity, unsigned int max_identity_len, unsigned char* psk,
         unsigned int max_psk_len) -> unsigned int {
        if (max_identity_len < 2 || max_psk_len < kPskBytes) return 0;
        std::memcpy(identity, "a", 2);
        std::memset(psk, 0x5a, kPskBytes);
        return kPskBytes;
      });
  return ctx;
}

// OpenSSL skips PSK suites on a server without a PSK callback, which gRPC never sets:
// a TLS 1.2 client offering exactly the suites RequireTls13 lists gets nowhere either.
TEST_F(NetTlsVersionTest, CoordinatorRefusesTls12ClientOfferingPskSuites) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  GrpcLogCollector grpc_log;
  SslCtxPtr tls12 = PskTls12ClientContext(pki_.Kit("a").tls);
  const Handshake handshake = ClientHandshake(tls12.get(), server->port());
  EXPECT_FALSE(handshake.ok) << "negotiated version 0x" << std::hex << handshake.version;
  EXPECT_THAT(grpc_log.WaitFor("no shared cipher"), HasSubstr("no shared cipher"));
}

// Control for the test above: the same client completes TLS 1.2 with a server that has
// a PSK callback, so what the coordinator lacks is the callback.
TEST_F(NetTlsVersionTest, PskClientSucceedsAgainstServerWithPskCallback) {
  SslCtxPtr server_ctx = MakeContext(/*server=*/true, pki_.CoordinatorTls(), TLS1_2_VERSION);
  ASSERT_EQ(SSL_CTX_set_cipher_list(server_ctx.get(), kPskSuites), 1);
  SSL_CTX_set_psk_server_callback(
      server_ctx.get(),
      [](SSL*, const char*, unsigned char* psk, unsigned int max_psk_len) -> unsigned int {
        if (max_psk_len < kPskBytes) return 0;
        std::memset(psk, 0x5a, kPskBytes);
        return kPskBytes;
      });
  OneShotTlsServer psk_server(std::move(server_ctx));
  SslCtxPtr tls12 = PskTls12ClientContext(pki_.Kit("a").tls);
  const Handshake client = ClientHandshake(tls12.get(), psk_server.port());
  EXPECT_TRUE(client.ok) << client.error;
  const Handshake server = psk_server.Wait();
  ASSERT_TRUE(server.ok) << server.error;
  EXPECT_EQ(server.version, TLS1_2_VERSION);
}

TEST_F(NetTlsVersionTest, CoordinatorAcceptsTls13ClientAndSitesStillRegister) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  SslCtxPtr tls13 = MakeContext(/*server=*/false, pki_.Kit("a").tls, TLS1_3_VERSION);
  const Handshake handshake = ClientHandshake(tls13.get(), server->port());
  ASSERT_TRUE(handshake.ok) << handshake.error;
  EXPECT_EQ(handshake.version, TLS1_3_VERSION);
  EXPECT_TRUE(handshake.spoke_http2);

  // The ordinary gRPC path between our own two ends.
  EchoHandler handler;
  AgentThread agent(FastAgentOptions(pki_, "a", server->port()), &handler);
  EXPECT_THAT(server->WaitForSites(1, absl::Seconds(10)), IsOk());
}

TEST_F(NetTlsVersionTest, SiteChannelRefusesTls12Server) {
  OneShotTlsServer tls12(MakeContext(/*server=*/true, pki_.CoordinatorTls(), TLS1_2_VERSION));
  const Handshake handshake = DialWithSiteChannel(pki_.Kit("a").tls, tls12);
  EXPECT_FALSE(handshake.ok) << "negotiated version 0x" << std::hex << handshake.version;
  EXPECT_THAT(handshake.error, HasSubstr("no shared cipher"));
}

TEST_F(NetTlsVersionTest, SiteChannelNegotiatesTls13) {
  OneShotTlsServer tls13(MakeContext(/*server=*/true, pki_.CoordinatorTls(), TLS1_3_VERSION));
  const Handshake handshake = DialWithSiteChannel(pki_.Kit("a").tls, tls13);
  ASSERT_TRUE(handshake.ok) << handshake.error;
  EXPECT_EQ(handshake.version, TLS1_3_VERSION);
}

}  // namespace
}  // namespace fedcloak::net
