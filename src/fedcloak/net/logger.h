// Logging seam of module net. Library code never prints: servers and agents report
// what happens on the wire (rejected messages, dropouts, reconnects) through a Logger
// that the embedding program provides (the CLI forwards to spdlog). The default Logger
// is empty and discards everything.
#ifndef FEDCLOAK_NET_LOGGER_H_
#define FEDCLOAK_NET_LOGGER_H_

#include <functional>
#include <string_view>

namespace fedcloak::net {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// Called from gRPC and internal threads, possibly concurrently: it must be thread-safe
// and must not call back into the object that logs.
using Logger = std::function<void(LogLevel level, std::string_view message)>;

// Sends gRPC's own log lines (handshake failures, transport errors), which it would
// otherwise print to stderr, to `logger`; an empty logger discards them. gRPC's logging
// is process-wide, so this is too: call it once, early (the CLI does, with its spdlog
// sink). ERROR lines arrive as kWarning: a failed handshake of one peer is no error of
// this process.
void RouteGrpcLogsTo(Logger logger);

namespace internal {

inline void Log(const Logger& logger, LogLevel level, std::string_view message) {
  if (logger) logger(level, message);
}

}  // namespace internal
}  // namespace fedcloak::net

#endif  // FEDCLOAK_NET_LOGGER_H_
