#include "fedcloak/web/dashboard.h"

#include <fmt/format.h>
#include <httplib.h>

#include <charconv>
#include <chrono>
#include <thread>

namespace fedcloak::web {
namespace {

#include "fedcloak/web/dashboard_page.inc"  // kDashboardPage, generated from dashboard.html

// The page is self-contained: it may talk to this server and nothing else.
constexpr char kContentSecurityPolicy[] =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'";

void CommonHeaders(httplib::Response& res) {
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Content-Type-Options", "nosniff");
}

}  // namespace

const char* DashboardPageHtml() { return kDashboardPage; }

struct Dashboard::Server {
  httplib::Server http;
  std::thread thread;
};

Dashboard::Dashboard(std::unique_ptr<Server> server, std::string bind, uint16_t port)
    : server_(std::move(server)), bind_(std::move(bind)), port_(port) {}

Dashboard::~Dashboard() { Stop(); }

void Dashboard::Stop() {
  if (server_ == nullptr) return;
  server_->http.stop();
  if (server_->thread.joinable()) server_->thread.join();
  server_.reset();
}

std::string Dashboard::url() const {
  const bool v6 = bind_.find(':') != std::string::npos;
  return fmt::format("http://{}{}{}:{}/", v6 ? "[" : "", bind_, v6 ? "]" : "", port_);
}

absl::StatusOr<std::unique_ptr<Dashboard>> Dashboard::Start(const DashboardOptions& options,
                                                            const DashboardState* state) {
  if (options.bind.empty()) return absl::InvalidArgumentError("dashboard bind address is empty");
  if (options.threads < 1 || options.threads > 64) {
    return absl::InvalidArgumentError(
        fmt::format("dashboard threads must be in 1..64, got {}", options.threads));
  }
  auto server = std::make_unique<Server>();
  httplib::Server& http = server->http;
  const size_t threads = options.threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // httplib's default also sets SO_REUSEPORT, which lets a second process bind the same
  // port and silently share its connections; SO_REUSEADDR alone only allows a quick
  // restart.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  http.set_keep_alive_max_count(20);
  http.set_read_timeout(5, 0);
  http.set_write_timeout(5, 0);

  http.Get("/", [](const httplib::Request&, httplib::Response& res) {
    CommonHeaders(res);
    res.set_header("Content-Security-Policy", kContentSecurityPolicy);
    res.set_content(kDashboardPage, "text/html; charset=utf-8");
  });
  http.Get("/api/run", [state](const httplib::Request&, httplib::Response& res) {
    CommonHeaders(res);
    res.set_content(state->RunJson(), "application/json");
  });
  http.Get("/api/rounds", [state](const httplib::Request& req, httplib::Response& res) {
    CommonHeaders(res);
    uint64_t after = 0;
    if (req.has_param("after")) {
      const std::string v = req.get_param_value("after");
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), after);
      if (ec != std::errc() || end != v.data() + v.size() || v.empty()) {
        res.status = 400;
        res.set_content(fmt::format("{{\"error\":\"after must be a round number, got '{}'\"}}",
                                    v.size() > 32 ? v.substr(0, 32) : v),
                        "application/json");
        return;
      }
    }
    res.set_content(state->RoundsJson(after), "application/json");
  });
  http.Get("/metrics", [state](const httplib::Request&, httplib::Response& res) {
    CommonHeaders(res);
    res.set_content(state->PrometheusText(), "text/plain; version=0.0.4; charset=utf-8");
  });

  int port = options.port;
  if (options.port == 0) {
    port = http.bind_to_any_port(options.bind);
    if (port < 0) {
      return absl::UnavailableError(
          fmt::format("dashboard cannot listen on {} (any port)", options.bind));
    }
  } else if (!http.bind_to_port(options.bind, options.port)) {
    return absl::UnavailableError(
        fmt::format("dashboard cannot listen on {}:{} (in use, or not an address of this host)",
                    options.bind, options.port));
  }
  Server* raw = server.get();
  server->thread = std::thread([raw] { raw->http.listen_after_bind(); });
  // stop() is a no-op until the accept loop runs; wait for it so Stop() cannot hang.
  for (int i = 0; i < 5000 && !raw->http.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::unique_ptr<Dashboard>(
      new Dashboard(std::move(server), options.bind, static_cast<uint16_t>(port)));
}

}  // namespace fedcloak::web
