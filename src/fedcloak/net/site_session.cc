#include "fedcloak/net/site_session.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "fedcloak/base/status.h"
#include "fmt/format.h"

namespace fedcloak::net::internal {
namespace {

// How many finished task ids a session remembers to tell a late answer (ignored) from
// a duplicate one (a protocol violation).
constexpr size_t kRememberedTasks = 256;
constexpr size_t kMaxErrorMessage = 1024;

ChunkHeader HeaderOf(const v1::Chunk& chunk) {
  return ChunkHeader{.task_id = chunk.task_id(),
                     .round = chunk.round(),
                     .kind = chunk.kind(),
                     .total_size = chunk.total_size(),
                     .offset = chunk.offset()};
}

std::span<const uint8_t> DataOf(const v1::Chunk& chunk) {
  return {reinterpret_cast<const uint8_t*>(chunk.data().data()), chunk.data().size()};
}

std::string KindName(uint32_t kind) {
  return std::string(fl::TaskKindName(static_cast<fl::TaskKind>(kind)));
}

}  // namespace

SiteSession::SiteSession(std::string site_name, std::string certificate_pem,
                         const ChunkLimits& limits, Logger logger, SessionStream* stream,
                         TrafficCounters* traffic)
    : site_name_(std::move(site_name)),
      certificate_pem_(std::move(certificate_pem)),
      limits_(limits),
      logger_(std::move(logger)),
      traffic_(traffic),
      last_heard_(absl::Now()),
      canceller_(stream),
      writer_(stream) {}

absl::StatusOr<fl::TaskResult> SiteSession::Call(const fl::Task& task, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  FEDCLOAK_ASSIGN_OR_RETURN(uint64_t task_id, SendTask(task, deadline));
  return AwaitResult(task_id, deadline);
}

absl::StatusOr<uint64_t> SiteSession::SendTask(const fl::Task& task, absl::Time deadline) {
  if (task.payload.size() > limits_.max_payload_bytes) {
    return absl::ResourceExhaustedError(
        fmt::format("task payload of {} bytes for site '{}' exceeds the limit of {} bytes",
                    task.payload.size(), site_name_, limits_.max_payload_bytes));
  }
  uint64_t task_id = 0;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) {
      return absl::UnavailableError(fmt::format("site '{}' is disconnected: {}", site_name_,
                                                std::string(close_reason_.message())));
    }
    task_id = next_task_id_++;
    PendingCall& call = pending_[task_id];
    call.round = task.round;
    call.kind = static_cast<uint32_t>(task.kind);
  }
  v1::CoordinatorMessage message;
  v1::Chunk* chunk = message.mutable_task_chunk();
  chunk->set_task_id(task_id);
  chunk->set_round(task.round);
  chunk->set_kind(static_cast<uint32_t>(task.kind));
  chunk->set_total_size(task.payload.size());
  const int64_t timeout_ms = absl::ToInt64Milliseconds(deadline - absl::Now());
  chunk->set_timeout_ms(static_cast<uint32_t>(
      std::clamp<int64_t>(timeout_ms, 0, std::numeric_limits<uint32_t>::max())));

  absl::Status failure;
  ForEachChunk(
      task.payload, limits_.max_chunk_bytes, [&](uint64_t offset, std::span<const uint8_t> data) {
        if (absl::Now() > deadline) {
          failure = absl::DeadlineExceededError(fmt::format(
              "deadline passed while sending task {} to site '{}' ({} of {} bytes sent)", task_id,
              site_name_, offset, task.payload.size()));
          return false;
        }
        chunk->set_offset(offset);
        chunk->set_data(data.data(), data.size());
        absl::MutexLock lock(&write_mu_);
        if (!WriteMessage(message)) {
          failure = absl::UnavailableError(
              fmt::format("stream to site '{}' broke while sending task {}", site_name_, task_id));
          return false;
        }
        return true;
      });
  if (!failure.ok()) {
    Abandon(task_id);
    return failure;
  }
  return task_id;
}

absl::StatusOr<fl::TaskResult> SiteSession::AwaitResult(uint64_t task_id, absl::Time deadline) {
  uint32_t kind = 0;
  uint64_t round = 0;
  {
    absl::MutexLock lock(&mu_);
    auto has_outcome = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      auto it = pending_.find(task_id);
      return it == pending_.end() || it->second.outcome.has_value();
    };
    mu_.AwaitWithDeadline(absl::Condition(&has_outcome), deadline);
    auto it = pending_.find(task_id);
    if (it == pending_.end()) {
      return absl::FailedPreconditionError(
          fmt::format("task {} of site '{}' is not pending", task_id, site_name_));
    }
    if (it->second.outcome.has_value()) {
      auto node = pending_.extract(it);
      Finish(task_id, Finished::kCompleted);
      return *std::move(node.mapped().outcome);
    }
    kind = it->second.kind;
    round = it->second.round;
  }
  Abandon(task_id);
  return absl::DeadlineExceededError(
      fmt::format("site '{}' did not answer task {} ({}, round {}) in time", site_name_, task_id,
                  KindName(kind), round));
}

void SiteSession::Abandon(uint64_t task_id) {
  {
    absl::MutexLock lock(&mu_);
    if (pending_.erase(task_id) == 0) return;
    Finish(task_id, Finished::kAbandoned);
  }
  // Best effort: if another call is writing, the site learns nothing and its late
  // answer is dropped on arrival instead.
  if (write_mu_.TryLock()) {
    v1::CoordinatorMessage message;
    message.mutable_cancel_task()->set_task_id(task_id);
    WriteMessage(message);
    write_mu_.Unlock();
  }
}

void SiteSession::Finish(uint64_t task_id, Finished how) {
  finished_[task_id] = how;
  while (finished_.size() > kRememberedTasks) finished_.erase(finished_.begin());
}

absl::Status SiteSession::HandleMessage(const v1::SiteMessage& message) {
  traffic_->bytes_in.fetch_add(message.ByteSizeLong(), std::memory_order_relaxed);
  MarkHeard();
  switch (message.body_case()) {
    case v1::SiteMessage::kHeartbeat:
      return absl::OkStatus();
    case v1::SiteMessage::kResultChunk:
      return HandleChunk(message.result_chunk());
    case v1::SiteMessage::kTaskError:
      return HandleTaskError(message.task_error());
    case v1::SiteMessage::kRegistration:
      return absl::FailedPreconditionError(
          fmt::format("site '{}' registered twice on one stream", site_name_));
    case v1::SiteMessage::BODY_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError(
      fmt::format("message from site '{}' has no known body", site_name_));
}

absl::Status SiteSession::CheckNotPending(uint64_t task_id, std::string_view what) const {
  if (task_id == 0 || task_id >= next_task_id_) {
    return absl::InvalidArgumentError(fmt::format(
        "{} for unknown task id {} (never sent to site '{}')", what, task_id, site_name_));
  }
  auto it = finished_.find(task_id);
  if (it != finished_.end() && it->second == Finished::kCompleted) {
    return absl::InvalidArgumentError(
        fmt::format("duplicate {} for task {} of site '{}', which already completed", what, task_id,
                    site_name_));
  }
  internal::Log(logger_, LogLevel::kDebug,
                fmt::format("dropped late {} for task {} of site '{}': nobody waits for it", what,
                            task_id, site_name_));
  return absl::OkStatus();
}

absl::Status SiteSession::HandleChunk(const v1::Chunk& chunk) {
  const ChunkHeader header = HeaderOf(chunk);
  absl::MutexLock lock(&mu_);
  auto it = pending_.find(header.task_id);
  if (it == pending_.end()) return CheckNotPending(header.task_id, "result chunk");
  PendingCall& call = it->second;
  if (call.outcome.has_value()) {
    return absl::InvalidArgumentError(
        fmt::format("duplicate result chunk for task {} of site '{}'", header.task_id, site_name_));
  }
  if (header.round != call.round || header.kind != call.kind) {
    return absl::InvalidArgumentError(fmt::format(
        "result chunk for task {} of site '{}' names round {} kind {}, task was round {} kind {}",
        header.task_id, site_name_, header.round, header.kind, call.round, call.kind));
  }
  if (!call.assembler.has_value()) {
    FEDCLOAK_ASSIGN_OR_RETURN(PayloadAssembler assembler,
                              PayloadAssembler::Begin(header, DataOf(chunk), limits_));
    call.assembler.emplace(std::move(assembler));
  } else {
    FEDCLOAK_RETURN_IF_ERROR(call.assembler->Append(header, DataOf(chunk)));
  }
  if (call.assembler->complete()) {
    fl::TaskResult result;
    result.payload = std::move(*call.assembler).TakePayload();
    call.assembler.reset();
    call.outcome = std::move(result);
  }
  return absl::OkStatus();
}

absl::Status SiteSession::HandleTaskError(const v1::TaskError& error) {
  absl::MutexLock lock(&mu_);
  auto it = pending_.find(error.task_id());
  if (it == pending_.end()) return CheckNotPending(error.task_id(), "task error");
  PendingCall& call = it->second;
  if (call.outcome.has_value() || call.assembler.has_value()) {
    return absl::InvalidArgumentError(fmt::format(
        "task error for task {} of site '{}' after its result began", error.task_id(), site_name_));
  }
  if (error.round() != call.round) {
    return absl::InvalidArgumentError(
        fmt::format("task error for task {} of site '{}' names round {}, task was round {}",
                    error.task_id(), site_name_, error.round(), call.round));
  }
  if (error.code() <= 0 || error.code() > static_cast<int>(absl::StatusCode::kUnauthenticated)) {
    return absl::InvalidArgumentError(fmt::format(
        "task error from site '{}' carries invalid status code {}", site_name_, error.code()));
  }
  const std::string text = error.message().substr(0, kMaxErrorMessage);
  call.outcome = absl::Status(static_cast<absl::StatusCode>(error.code()),
                              fmt::format("site '{}' failed task {} ({}, round {}): {}", site_name_,
                                          error.task_id(), KindName(call.kind), call.round, text));
  return absl::OkStatus();
}

void SiteSession::Close(const absl::Status& reason) {
  absl::MutexLock lock(&mu_);
  if (!closed_) {
    closed_ = true;
    close_reason_ = reason;
    for (auto& [task_id, call] : pending_) {
      if (call.outcome.has_value()) continue;
      call.outcome =
          absl::UnavailableError(fmt::format("site '{}' disconnected before answering task {}: {}",
                                             site_name_, task_id, std::string(reason.message())));
    }
  }
  if (canceller_ != nullptr) canceller_->Cancel();
}

void SiteSession::Detach() {
  {
    absl::MutexLock lock(&mu_);
    canceller_ = nullptr;  // the stream is ending with its own status: do not cancel it
  }
  Close(absl::UnavailableError("stream ended"));
  absl::MutexLock lock(&write_mu_);
  writer_ = nullptr;
}

bool SiteSession::closed() const {
  absl::MutexLock lock(&mu_);
  return closed_;
}

absl::Time SiteSession::last_heard() const {
  absl::MutexLock lock(&mu_);
  return last_heard_;
}

void SiteSession::MarkHeard() {
  absl::MutexLock lock(&mu_);
  last_heard_ = absl::Now();
}

bool SiteSession::Send(const v1::CoordinatorMessage& message) {
  absl::MutexLock lock(&write_mu_);
  return WriteMessage(message);
}

void SiteSession::MarkRegistered() {
  absl::MutexLock lock(&write_mu_);
  registered_ = true;
}

void SiteSession::SendHeartbeat() {
  if (!write_mu_.TryLock()) return;
  if (registered_) {
    v1::CoordinatorMessage message;
    message.mutable_heartbeat()->set_sequence(++heartbeat_sequence_);
    WriteMessage(message);
  }
  write_mu_.Unlock();
}

bool SiteSession::WriteMessage(const v1::CoordinatorMessage& message) {
  if (writer_ == nullptr) return false;
  traffic_->bytes_out.fetch_add(message.ByteSizeLong(), std::memory_order_relaxed);
  return writer_->Write(message);
}

}  // namespace fedcloak::net::internal
