#include "fedcloak/net/site_agent.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <deque>
#include <map>
#include <thread>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "fedcloak/base/status.h"
#include "fedcloak/net/backoff.h"
#include "fedcloak/net/grpc_util.h"
#include "fedcloak/net/site_name.h"
#include "fedcloak/net/v1/site_link.grpc.pb.h"
#include "fmt/format.h"

namespace fedcloak::net {
namespace {

using internal::Log;
using ClientStream = grpc::ClientReaderWriter<v1::SiteMessage, v1::CoordinatorMessage>;

constexpr uint32_t kProtocolVersion = 1;
constexpr size_t kMaxAssemblies = 8;
constexpr size_t kMaxErrorMessage = 1024;

struct QueuedTask {
  uint64_t generation = 0;
  uint64_t task_id = 0;
  fl::Task task;
  absl::Time deadline;
};

// Liveness of one connection, shared by the reader and the heartbeat thread.
struct Liveness {
  absl::Mutex mu;
  absl::Time started = absl::Now();
  absl::Time last_heard ABSL_GUARDED_BY(mu) = absl::Now();
  bool registered ABSL_GUARDED_BY(mu) = false;
  bool done ABSL_GUARDED_BY(mu) = false;
  absl::Duration interval ABSL_GUARDED_BY(mu) = absl::Seconds(1);
  absl::Duration timeout ABSL_GUARDED_BY(mu) = absl::Seconds(10);
};

}  // namespace

struct SiteAgent::Impl {
  SiteAgentOptions options;
  fl::TaskHandler* handler = nullptr;
  SecureRandom* random = nullptr;

  mutable absl::Mutex mu;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  bool connected ABSL_GUARDED_BY(mu) = false;
  int registrations ABSL_GUARDED_BY(mu) = 0;
  grpc::ClientContext* context ABSL_GUARDED_BY(mu) = nullptr;
  std::deque<QueuedTask> queue ABSL_GUARDED_BY(mu);
  bool worker_exit ABSL_GUARDED_BY(mu) = false;

  absl::Mutex write_mu ABSL_ACQUIRED_AFTER(mu);
  ClientStream* stream ABSL_GUARDED_BY(write_mu) = nullptr;
  uint64_t generation ABSL_GUARDED_BY(write_mu) = 0;
  ChunkLimits send_limits ABSL_GUARDED_BY(write_mu);

  // One connection attempt, until the stream ends. `*registered`: the coordinator
  // accepted us; `*refused`: it ended the stream before that with a status that
  // retrying cannot change.
  absl::Status RunConnection(bool* registered, bool* refused);
  absl::Status OnRegistered(const v1::Registered& registered, Liveness& liveness);
  absl::Status OnTaskChunk(uint64_t generation, const v1::Chunk& chunk,
                           std::map<uint64_t, PayloadAssembler>& assemblies,
                           uint64_t& highest_task_id);
  void HeartbeatLoop(uint64_t generation, Liveness& liveness, grpc::ClientContext& attempt_context);
  void WorkerLoop();
  void SendResult(const QueuedTask& item, const absl::StatusOr<fl::TaskResult>& result);
  bool WriteIfCurrent(uint64_t generation, const v1::SiteMessage& message);
};

bool SiteAgent::Impl::WriteIfCurrent(uint64_t gen, const v1::SiteMessage& message) {
  absl::MutexLock lock(&write_mu);
  if (stream == nullptr || generation != gen) return false;
  return stream->Write(message);
}

absl::Status SiteAgent::Impl::OnRegistered(const v1::Registered& registered, Liveness& liveness) {
  const absl::Duration interval = absl::Milliseconds(registered.heartbeat_interval_ms());
  const absl::Duration timeout = absl::Milliseconds(registered.heartbeat_timeout_ms());
  if (registered.protocol_version() != kProtocolVersion) {
    return absl::FailedPreconditionError(
        fmt::format("coordinator speaks protocol version {}, this site {}",
                    registered.protocol_version(), kProtocolVersion));
  }
  if (registered.max_chunk_bytes() == 0 ||
      registered.max_chunk_bytes() > options.limits.max_chunk_bytes) {
    return absl::FailedPreconditionError(
        fmt::format("coordinator announces chunks of {} bytes; this site accepts 1 to {}",
                    registered.max_chunk_bytes(), options.limits.max_chunk_bytes));
  }
  if (interval < absl::Milliseconds(10) || timeout <= interval) {
    return absl::FailedPreconditionError(
        fmt::format("coordinator announces heartbeat interval {} and timeout {}",
                    absl::FormatDuration(interval), absl::FormatDuration(timeout)));
  }
  {
    absl::MutexLock lock(&liveness.mu);
    liveness.interval = interval;
    liveness.timeout = timeout;
    liveness.registered = true;
  }
  {
    absl::MutexLock lock(&write_mu);
    send_limits.max_chunk_bytes = registered.max_chunk_bytes();
    send_limits.max_payload_bytes =
        std::min(registered.max_payload_bytes(), options.limits.max_payload_bytes);
  }
  absl::MutexLock lock(&mu);
  connected = true;
  ++registrations;
  return absl::OkStatus();
}

absl::Status SiteAgent::Impl::OnTaskChunk(uint64_t gen, const v1::Chunk& chunk,
                                          std::map<uint64_t, PayloadAssembler>& assemblies,
                                          uint64_t& highest_task_id) {
  const ChunkHeader header{.task_id = chunk.task_id(),
                           .round = chunk.round(),
                           .kind = chunk.kind(),
                           .total_size = chunk.total_size(),
                           .offset = chunk.offset()};
  const std::span<const uint8_t> data(reinterpret_cast<const uint8_t*>(chunk.data().data()),
                                      chunk.data().size());
  if (header.kind > 0xffff) {
    return absl::InvalidArgumentError(fmt::format("task kind {} out of range", header.kind));
  }
  auto it = assemblies.find(header.task_id);
  if (it == assemblies.end()) {
    if (header.task_id <= highest_task_id) {
      return absl::InvalidArgumentError(fmt::format(
          "chunk for task {} which already arrived (duplicate or out of order)", header.task_id));
    }
    if (assemblies.size() >= kMaxAssemblies) {
      return absl::ResourceExhaustedError(
          fmt::format("more than {} tasks arriving at once", kMaxAssemblies));
    }
    FEDCLOAK_ASSIGN_OR_RETURN(PayloadAssembler assembler,
                              PayloadAssembler::Begin(header, data, options.limits));
    highest_task_id = header.task_id;
    it = assemblies.emplace(header.task_id, std::move(assembler)).first;
  } else {
    FEDCLOAK_RETURN_IF_ERROR(it->second.Append(header, data));
  }
  if (!it->second.complete()) return absl::OkStatus();
  QueuedTask item;
  item.generation = gen;
  item.task_id = header.task_id;
  item.task.kind = static_cast<fl::TaskKind>(header.kind);
  item.task.round = header.round;
  item.task.payload = std::move(it->second).TakePayload();
  item.deadline = chunk.timeout_ms() == 0 ? absl::InfiniteFuture()
                                          : absl::Now() + absl::Milliseconds(chunk.timeout_ms());
  assemblies.erase(it);
  absl::MutexLock lock(&mu);
  queue.push_back(std::move(item));
  return absl::OkStatus();
}

void SiteAgent::Impl::HeartbeatLoop(uint64_t gen, Liveness& liveness,
                                    grpc::ClientContext& attempt_context) {
  uint64_t sequence = 0;
  absl::Time last_sent = absl::InfinitePast();
  absl::MutexLock lock(&liveness.mu);
  while (!liveness.done) {
    const absl::Duration tick =
        liveness.registered ? liveness.interval / 4 : absl::Milliseconds(50);
    liveness.mu.AwaitWithTimeout(absl::Condition(&liveness.done), tick);
    if (liveness.done) break;
    const absl::Time now = absl::Now();
    if (!liveness.registered) {
      if (now - liveness.started > options.connect_timeout) {
        Log(options.logger, LogLevel::kWarning,
            fmt::format("no registration within {}; abandoning this attempt",
                        absl::FormatDuration(options.connect_timeout)));
        attempt_context.TryCancel();
        break;
      }
      continue;
    }
    if (now - liveness.last_heard > liveness.timeout) {
      Log(options.logger, LogLevel::kWarning,
          fmt::format("coordinator silent for {}; reconnecting",
                      absl::FormatDuration(now - liveness.last_heard)));
      attempt_context.TryCancel();
      break;
    }
    if (now - last_sent < liveness.interval) continue;
    // Never block behind a result being written: the result shows liveness too.
    if (!write_mu.TryLock()) continue;
    v1::SiteMessage message;
    message.mutable_heartbeat()->set_sequence(++sequence);
    if (stream != nullptr && generation == gen) stream->Write(message);
    write_mu.Unlock();
    last_sent = now;
  }
}

absl::Status SiteAgent::Impl::RunConnection(bool* registered, bool* refused) {
  const std::string address = options.coordinator_address.empty() ? options.kit.coordinator_address
                                                                  : options.coordinator_address;
  grpc::ChannelArguments args;
  const int max_message = internal::MaxMessageBytes(options.limits.max_chunk_bytes);
  args.SetMaxReceiveMessageSize(max_message);
  args.SetMaxSendMessageSize(max_message);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  if (!options.target_name_override.empty()) {
    args.SetSslTargetNameOverride(options.target_name_override);
  }
  auto channel =
      grpc::CreateCustomChannel(address, internal::MakeChannelCredentials(options.kit.tls), args);
  auto stub = v1::SiteLink::NewStub(channel);
  grpc::ClientContext attempt_context;
  {
    absl::MutexLock lock(&mu);
    if (stopping) return absl::OkStatus();
    context = &attempt_context;
  }
  std::unique_ptr<ClientStream> client_stream = stub->Connect(&attempt_context);
  uint64_t gen = 0;
  {
    absl::MutexLock lock(&write_mu);
    stream = client_stream.get();
    gen = ++generation;
    send_limits = options.limits;
  }
  v1::SiteMessage hello;
  hello.mutable_registration()->set_protocol_version(kProtocolVersion);
  hello.mutable_registration()->set_site_name(options.kit.site_name);
  WriteIfCurrent(gen, hello);  // a failure shows in the first Read

  Liveness liveness;
  std::thread heartbeat([&] { HeartbeatLoop(gen, liveness, attempt_context); });
  std::map<uint64_t, PayloadAssembler> assemblies;
  uint64_t highest_task_id = 0;
  absl::Status violation;
  v1::CoordinatorMessage message;
  while (violation.ok() && client_stream->Read(&message)) {
    bool is_registered = false;
    {
      absl::MutexLock lock(&liveness.mu);
      liveness.last_heard = absl::Now();
      is_registered = liveness.registered;
    }
    if (!is_registered) {
      violation = message.has_registered()
                      ? OnRegistered(message.registered(), liveness)
                      : absl::FailedPreconditionError("coordinator did not answer Registered");
      if (violation.ok()) {
        *registered = true;
        Log(options.logger, LogLevel::kInfo,
            fmt::format("site '{}' registered with the coordinator at {}", options.kit.site_name,
                        address));
      }
      continue;
    }
    switch (message.body_case()) {
      case v1::CoordinatorMessage::kTaskChunk:
        violation = OnTaskChunk(gen, message.task_chunk(), assemblies, highest_task_id);
        break;
      case v1::CoordinatorMessage::kCancelTask: {
        const uint64_t task_id = message.cancel_task().task_id();
        assemblies.erase(task_id);
        absl::MutexLock lock(&mu);
        std::erase_if(queue, [&](const QueuedTask& t) { return t.task_id == task_id; });
        break;
      }
      case v1::CoordinatorMessage::kHeartbeat:
        break;
      case v1::CoordinatorMessage::kRegistered:
        violation = absl::FailedPreconditionError("coordinator sent Registered twice");
        break;
      case v1::CoordinatorMessage::BODY_NOT_SET:
        violation = absl::InvalidArgumentError("coordinator message has no known body");
        break;
    }
  }
  if (!violation.ok()) {
    Log(options.logger, LogLevel::kWarning,
        fmt::format("ending the stream: coordinator broke the protocol: {}",
                    std::string(violation.message())));
    attempt_context.TryCancel();
  }
  {
    absl::MutexLock lock(&liveness.mu);
    liveness.done = true;
  }
  heartbeat.join();
  {
    absl::MutexLock lock(&mu);
    connected = false;
    context = nullptr;
    std::erase_if(queue, [&](const QueuedTask& t) { return t.generation == gen; });
  }
  {
    absl::MutexLock lock(&write_mu);
    stream = nullptr;
  }
  const absl::Status status = internal::FromGrpcStatus(client_stream->Finish());
  if (!violation.ok()) return violation;
  *refused =
      !*registered && (absl::IsPermissionDenied(status) || absl::IsFailedPrecondition(status) ||
                       absl::IsUnauthenticated(status));
  return status;
}

void SiteAgent::Impl::SendResult(const QueuedTask& item,
                                 const absl::StatusOr<fl::TaskResult>& result) {
  ChunkLimits limits;
  {
    absl::MutexLock lock(&write_mu);
    limits = send_limits;
  }
  absl::Status status = result.status();
  if (status.ok() && result->payload.size() > limits.max_payload_bytes) {
    status =
        absl::ResourceExhaustedError(fmt::format("result of {} bytes exceeds the limit of {} bytes",
                                                 result->payload.size(), limits.max_payload_bytes));
  }
  v1::SiteMessage message;
  bool sent = false;
  if (!status.ok()) {
    v1::TaskError* error = message.mutable_task_error();
    error->set_task_id(item.task_id);
    error->set_round(item.task.round);
    error->set_code(static_cast<int32_t>(status.code()));
    error->set_message(std::string(status.message()).substr(0, kMaxErrorMessage));
    sent = WriteIfCurrent(item.generation, message);
  } else {
    v1::Chunk* chunk = message.mutable_result_chunk();
    chunk->set_task_id(item.task_id);
    chunk->set_round(item.task.round);
    chunk->set_kind(static_cast<uint32_t>(item.task.kind));
    chunk->set_total_size(result->payload.size());
    sent = ForEachChunk(result->payload, limits.max_chunk_bytes,
                        [&](uint64_t offset, std::span<const uint8_t> data) {
                          chunk->set_offset(offset);
                          chunk->set_data(data.data(), data.size());
                          return WriteIfCurrent(item.generation, message);
                        });
  }
  if (!sent) {
    Log(options.logger, LogLevel::kInfo,
        fmt::format("dropped the answer to task {}: its stream has ended", item.task_id));
  }
}

void SiteAgent::Impl::WorkerLoop() {
  while (true) {
    QueuedTask item;
    {
      absl::MutexLock lock(&mu);
      auto ready = [&]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return worker_exit || !queue.empty(); };
      mu.Await(absl::Condition(&ready));
      if (worker_exit) return;
      item = std::move(queue.front());
      queue.pop_front();
    }
    if (absl::Now() > item.deadline) {
      Log(options.logger, LogLevel::kInfo,
          fmt::format("skipped task {}: its deadline passed while queued", item.task_id));
      continue;
    }
    SendResult(item, handler->Handle(item.task));
  }
}

absl::StatusOr<std::unique_ptr<SiteAgent>> SiteAgent::Create(SiteAgentOptions options,
                                                             fl::TaskHandler* handler,
                                                             SecureRandom& random) {
  if (handler == nullptr) return absl::InvalidArgumentError("no task handler");
  // On the creating thread, before any connection thread exists (it calls setenv).
  internal::RequireTls13();
  FEDCLOAK_RETURN_IF_ERROR(ValidateSiteName(options.kit.site_name));
  FEDCLOAK_RETURN_IF_ERROR(ValidateTlsMaterial(options.kit.tls));
  if (options.kit.coordinator_address.empty() && options.coordinator_address.empty()) {
    return absl::InvalidArgumentError("no coordinator address");
  }
  if (options.limits.max_chunk_bytes == 0 || options.limits.max_chunk_bytes > (64u << 20)) {
    return absl::InvalidArgumentError(fmt::format("max_chunk_bytes of {} is outside 1 to 64 MiB",
                                                  options.limits.max_chunk_bytes));
  }
  if (options.initial_backoff <= absl::ZeroDuration() ||
      options.max_backoff < options.initial_backoff ||
      options.connect_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(fmt::format(
        "backoff {}..{} and connect timeout {} must be positive and ordered",
        absl::FormatDuration(options.initial_backoff), absl::FormatDuration(options.max_backoff),
        absl::FormatDuration(options.connect_timeout)));
  }
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->handler = handler;
  impl->random = &random;
  return std::unique_ptr<SiteAgent>(new SiteAgent(std::move(impl)));
}

SiteAgent::SiteAgent(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SiteAgent::~SiteAgent() = default;

absl::Status SiteAgent::Run() {
  Impl& impl = *impl_;
  std::thread worker([&impl] { impl.WorkerLoop(); });
  absl::Status result;
  int attempt = 0;
  while (true) {
    bool registered = false;
    bool refused = false;
    const absl::Status status = impl.RunConnection(&registered, &refused);
    absl::MutexLock lock(&impl.mu);
    if (impl.stopping) break;
    if (refused) {
      Log(impl.options.logger, LogLevel::kError,
          fmt::format("coordinator refused site '{}': {}", impl.options.kit.site_name,
                      std::string(status.message())));
      result = status;
      break;
    }
    if (registered) attempt = 0;
    const absl::Duration delay = BackoffDelay(attempt++, impl.options.initial_backoff,
                                              impl.options.max_backoff, *impl.random);
    Log(impl.options.logger, LogLevel::kInfo,
        fmt::format("connection ended ({}); retrying in {}", status.ToString(),
                    absl::FormatDuration(delay)));
    impl.mu.AwaitWithTimeout(absl::Condition(&impl.stopping), delay);
    if (impl.stopping) break;
  }
  {
    absl::MutexLock lock(&impl.mu);
    impl.worker_exit = true;
  }
  worker.join();
  absl::MutexLock lock(&impl.mu);
  impl.queue.clear();
  return result;
}

void SiteAgent::Stop() {
  absl::MutexLock lock(&impl_->mu);
  impl_->stopping = true;
  if (impl_->context != nullptr) impl_->context->TryCancel();
}

bool SiteAgent::connected() const {
  absl::MutexLock lock(&impl_->mu);
  return impl_->connected;
}

int SiteAgent::registrations() const {
  absl::MutexLock lock(&impl_->mu);
  return impl_->registrations;
}

}  // namespace fedcloak::net
