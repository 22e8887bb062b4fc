// Dashboard: the coordinator's HTTP server (cpp-httplib) for operators:
//   GET /             HTML page with live charts (self-contained: inline JS draws on
//                     <canvas>, nothing is fetched from the internet)
//   GET /api/run      JSON: run info, mode and parameters, live counters, epsilon
//   GET /api/rounds   JSON: finished rounds (?after=N: only rounds after N)
//   GET /metrics      Prometheus text format
// It binds 127.0.0.1 unless told otherwise: the page shows metrics of a federation,
// which its operator may not want public; there is no authentication.
//
// Serves from its own threads; Stop() (or the destructor) ends them. Thread-safe.
#ifndef FEDCLOAK_WEB_DASHBOARD_H_
#define FEDCLOAK_WEB_DASHBOARD_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "fedcloak/web/dashboard_state.h"

namespace fedcloak::web {

struct DashboardOptions {
  std::string bind = "127.0.0.1";  // address to listen on. Default: loopback only
  uint16_t port = 8080;            // 0: pick a free port (see Dashboard::port())
  uint32_t threads = 2;            // request worker threads, 1..64
};

class Dashboard {
 public:
  // Binds and starts serving `state` (not owned; must outlive the dashboard).
  // InvalidArgument for an empty bind address or threads outside 1..64; Unavailable if
  // the address cannot be bound (in use, not local), naming address and port.
  static absl::StatusOr<std::unique_ptr<Dashboard>> Start(const DashboardOptions& options,
                                                          const DashboardState* state);
  ~Dashboard();
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

  // Stops serving and joins the server thread. Idempotent.
  void Stop();

  uint16_t port() const { return port_; }
  // "http://<bind>:<port>/"
  std::string url() const;

 private:
  struct Server;
  Dashboard(std::unique_ptr<Server> server, std::string bind, uint16_t port);

  std::unique_ptr<Server> server_;
  std::string bind_;
  uint16_t port_;
};

// The page served at "/".
const char* DashboardPageHtml();

}  // namespace fedcloak::web

#endif  // FEDCLOAK_WEB_DASHBOARD_H_
