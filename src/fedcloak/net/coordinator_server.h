// The coordinator's network endpoint: a gRPC server with mutual TLS to which site
// agents connect (outbound from the sites, one bidirectional stream each). It checks
// every site's certificate against the federation's CA, takes the site's identity from
// that certificate, admits only the sites of the run, and exposes each as an
// fl::SiteHandle for the engine.
//
// Policies (doc/architecture.md, "Networked deployment"):
// - A second connection of an already connected site REPLACES the first: the old
//   stream is cancelled and its pending calls fail Unavailable (a site that lost its
//   connection must not be locked out until its old stream times out).
// - A site silent for longer than heartbeat_timeout is disconnected; so is a stream
//   that does not register within heartbeat_timeout.
// - A protocol violation ends only the offending site's stream, with the gRPC status
//   of the violation (INVALID_ARGUMENT, RESOURCE_EXHAUSTED, FAILED_PRECONDITION,
//   PERMISSION_DENIED); that site's pending calls fail Unavailable. Late answers to
//   calls that timed out are dropped and logged at debug level.
//
// Thread-safe. The handles it gives out stay valid after the server is destroyed
// (their calls then fail Unavailable).
#ifndef FEDCLOAK_NET_COORDINATOR_SERVER_H_
#define FEDCLOAK_NET_COORDINATOR_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fedcloak/fl/site_handle.h"
#include "fedcloak/net/chunk_assembler.h"
#include "fedcloak/net/logger.h"
#include "fedcloak/net/tls_material.h"

namespace fedcloak::net {

struct CoordinatorOptions {
  // "host:port"; port 0 picks a free port (see CoordinatorServer::port()).
  std::string listen_address = "127.0.0.1:0";
  // The coordinator's certificate and key, and the federation's CA.
  TlsMaterial tls;
  // The sites of the run (names as in their certificates). At least one.
  std::vector<std::string> sites;
  // Chunk and payload bounds, for both directions. The gRPC message limit on both
  // ends is max_chunk_bytes plus a 4 KiB envelope.
  ChunkLimits limits;
  // Told to every site at registration: how often it sends heartbeats.
  absl::Duration heartbeat_interval = absl::Seconds(2);
  // Silence after which a stream is ended. REQUIRES: > heartbeat_interval.
  absl::Duration heartbeat_timeout = absl::Seconds(10);
  Logger logger;
};

// Bytes of serialized protobuf messages, summed over all streams.
struct TrafficStats {
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
};

class CoordinatorServer {
 public:
  // Validates the options and starts listening. InvalidArgument for bad options (site
  // names, limits, intervals), DataLoss for unusable TLS material, Unavailable if the
  // address cannot be bound.
  static absl::StatusOr<std::unique_ptr<CoordinatorServer>> Start(CoordinatorOptions options);

  ~CoordinatorServer();  // Shutdown()
  CoordinatorServer(const CoordinatorServer&) = delete;
  CoordinatorServer& operator=(const CoordinatorServer&) = delete;

  // The port actually bound.
  int port() const;

  // The handle of a site of the run, whether connected now or not: each Call goes to
  // its current stream, or fails Unavailable at once. NotFound for a site not in the run.
  absl::StatusOr<std::shared_ptr<fl::SiteHandle>> Site(std::string_view name) const;

  // Names of the registered sites, sorted.
  std::vector<std::string> ConnectedSites() const;

  // Blocks until at least `count` sites are registered, then returns their names;
  // DeadlineExceeded (naming the missing ones) after `timeout`.
  absl::StatusOr<std::vector<std::string>> WaitForSites(size_t count, absl::Duration timeout) const;

  // The PEM certificate a site registered with (for relaying to other sites, which
  // check bound keys with VerifyBoundKey). NotFound if the site never registered.
  absl::StatusOr<std::string> SiteCertificatePem(std::string_view name) const;

  TrafficStats traffic() const;

  // Ends every stream (pending calls fail Unavailable) and stops the server.
  // Idempotent; returns within about two seconds.
  void Shutdown();

 private:
  struct Impl;
  explicit CoordinatorServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fedcloak::net

#endif  // FEDCLOAK_NET_COORDINATOR_SERVER_H_
