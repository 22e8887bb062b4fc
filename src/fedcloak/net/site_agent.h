// The site's network endpoint: connects outbound to the coordinator with the site's
// startup kit (mutual TLS), registers, runs every task it receives through an
// fl::TaskHandler and streams the results back in chunks. Sends heartbeats; after a
// disconnect it reconnects with exponential backoff and jitter, until Stop().
//
// Threads: Run() owns the connection (reading), one internal thread sends heartbeats
// and watches the coordinator's liveness, one internal worker calls the handler, one
// task at a time, in arrival order. A result computed for a stream that has since
// ended is dropped (the coordinator already counted the site as a dropout).
#ifndef FEDCLOAK_NET_SITE_AGENT_H_
#define FEDCLOAK_NET_SITE_AGENT_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fedcloak/base/secure_random.h"
#include "fedcloak/fl/site_handle.h"
#include "fedcloak/net/chunk_assembler.h"
#include "fedcloak/net/logger.h"
#include "fedcloak/net/tls_material.h"

namespace fedcloak::net {

struct SiteAgentOptions {
  SiteKit kit;
  // Overrides kit.coordinator_address (e.g. a port chosen at run time). Default: empty.
  std::string coordinator_address;
  // Name checked against the coordinator's certificate. Default: the address's host.
  std::string target_name_override;
  // Bounds for what this site accepts. A coordinator announcing larger chunks is refused.
  ChunkLimits limits;
  // Backoff before reconnect attempt n (n = 0, 1, ...): a uniform draw from
  // [d/2, d] with d = min(max_backoff, initial_backoff * 2^n). Reset after a successful
  // registration.
  absl::Duration initial_backoff = absl::Milliseconds(250);
  absl::Duration max_backoff = absl::Seconds(30);
  // Time allowed for the TLS handshake and registration of one attempt.
  absl::Duration connect_timeout = absl::Seconds(10);
  Logger logger;
};

class SiteAgent {
 public:
  // `handler` must outlive the agent; `random` draws the backoff jitter and must too.
  // InvalidArgument for bad options, DataLoss for unusable kit material.
  static absl::StatusOr<std::unique_ptr<SiteAgent>> Create(SiteAgentOptions options,
                                                           fl::TaskHandler* handler,
                                                           SecureRandom& random = DefaultRandom());

  // REQUIRES: Run() has returned (or was never called).
  ~SiteAgent();
  SiteAgent(const SiteAgent&) = delete;
  SiteAgent& operator=(const SiteAgent&) = delete;

  // Connects and serves until Stop(). Returns OK after Stop(); PermissionDenied or
  // FailedPrecondition if the coordinator refuses the registration (site not in the
  // run, certificate name mismatch, protocol version): retrying cannot help then.
  // Transport failures (coordinator down, handshake refused) are retried forever.
  // Waits for a task being handled to finish before returning.
  absl::Status Run();

  // Makes Run() return soon. Thread-safe; not async-signal-safe (call it from a
  // thread that waits for signals, e.g. with sigwait).
  void Stop();

  // True while registered with the coordinator.
  bool connected() const;
  // Number of successful registrations so far.
  int registrations() const;

 private:
  struct Impl;
  explicit SiteAgent(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fedcloak::net

#endif  // FEDCLOAK_NET_SITE_AGENT_H_
