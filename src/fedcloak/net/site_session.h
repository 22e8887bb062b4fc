// The coordinator's side of one connected site stream. Internal to module net.
//
// A SiteSession sends tasks (chunked) down the stream, reassembles the results that
// come back, and matches them to waiting callers by task id. It knows nothing of
// gRPC: it writes through a SessionStream, and the stream's reader thread feeds it
// every received message (HandleMessage). This keeps the protocol logic testable and
// fuzzable without a network.
//
// Thread-safe: Call may run on many threads at once, HandleMessage on the reader thread,
// Close/SendHeartbeat on any thread.
#ifndef FEDCLOAK_NET_SITE_SESSION_H_
#define FEDCLOAK_NET_SITE_SESSION_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "fedcloak/fl/task.h"
#include "fedcloak/net/chunk_assembler.h"
#include "fedcloak/net/logger.h"
#include "fedcloak/net/v1/site_link.pb.h"

namespace fedcloak::net::internal {

// Where a session writes. Write is called with the session's write lock held (never
// concurrently); Cancel may be called from any thread and must unblock a pending Write.
class SessionStream {
 public:
  virtual ~SessionStream() = default;
  virtual bool Write(const v1::CoordinatorMessage& message) = 0;
  virtual void Cancel() = 0;
};

struct TrafficCounters {
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> bytes_out{0};
};

class SiteSession {
 public:
  // `stream` and `traffic` must outlive the session or be detached first (Detach).
  SiteSession(std::string site_name, std::string certificate_pem, const ChunkLimits& limits,
              Logger logger, SessionStream* stream, TrafficCounters* traffic);

  const std::string& site_name() const { return site_name_; }
  const std::string& certificate_pem() const { return certificate_pem_; }

  // Sends `task` and waits for its result until `timeout`. Returns the site's
  // TaskError as its own status, Unavailable if the stream ends first,
  // DeadlineExceeded when the time is up, ResourceExhausted for a payload over the limit.
  absl::StatusOr<fl::TaskResult> Call(const fl::Task& task, absl::Duration timeout);

  // The two halves of Call, for tests and the fuzz target.
  absl::StatusOr<uint64_t> SendTask(const fl::Task& task, absl::Time deadline);
  absl::StatusOr<fl::TaskResult> AwaitResult(uint64_t task_id, absl::Time deadline);

  // Processes one message received after registration. A non-OK status is a protocol
  // violation: the caller ends the stream with it (and then calls Close). Results that
  // arrive for a task whose caller gave up are dropped and logged, not errors.
  absl::Status HandleMessage(const v1::SiteMessage& message);

  // Fails every pending call with Unavailable(`reason`); later calls fail at once.
  // Idempotent. Also cancels the stream.
  void Close(const absl::Status& reason);
  // Stops all use of the stream; call before the stream is destroyed. Implies Close.
  void Detach();

  // Writes one message (for Registered). False if the stream is gone.
  bool Send(const v1::CoordinatorMessage& message);

  // Marks the Registered answer as sent: only then do heartbeats go out.
  void MarkRegistered();

  bool closed() const;
  absl::Time last_heard() const;
  void MarkHeard();
  // Sends a heartbeat unless a write is in progress (which shows liveness anyway).
  void SendHeartbeat();

 private:
  struct PendingCall {
    uint64_t round = 0;
    uint32_t kind = 0;
    std::optional<PayloadAssembler> assembler;
    std::optional<absl::StatusOr<fl::TaskResult>> outcome;
  };
  enum class Finished { kCompleted, kAbandoned };

  bool WriteMessage(const v1::CoordinatorMessage& message) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  absl::Status HandleChunk(const v1::Chunk& chunk);
  absl::Status HandleTaskError(const v1::TaskError& error);
  // For a message naming a task that is not pending: OK to ignore it (a late answer),
  // or the protocol violation to report.
  absl::Status CheckNotPending(uint64_t task_id, std::string_view what) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Finish(uint64_t task_id, Finished how) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Abandon(uint64_t task_id);

  const std::string site_name_;
  const std::string certificate_pem_;
  const ChunkLimits limits_;
  const Logger logger_;
  TrafficCounters* const traffic_;

  mutable absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status close_reason_ ABSL_GUARDED_BY(mu_);
  uint64_t next_task_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<uint64_t, PendingCall> pending_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, Finished> finished_ ABSL_GUARDED_BY(mu_);  // the most recent ones
  absl::Time last_heard_ ABSL_GUARDED_BY(mu_);
  SessionStream* canceller_ ABSL_GUARDED_BY(mu_);

  absl::Mutex write_mu_ ABSL_ACQUIRED_AFTER(mu_);
  SessionStream* writer_ ABSL_GUARDED_BY(write_mu_);
  bool registered_ ABSL_GUARDED_BY(write_mu_) = false;
  uint64_t heartbeat_sequence_ ABSL_GUARDED_BY(write_mu_) = 0;
};

}  // namespace fedcloak::net::internal

#endif  // FEDCLOAK_NET_SITE_SESSION_H_
