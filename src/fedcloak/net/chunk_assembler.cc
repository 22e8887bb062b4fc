#include "fedcloak/net/chunk_assembler.h"

#include <algorithm>

#include "fedcloak/base/check.h"
#include "fedcloak/base/status.h"
#include "fmt/format.h"

namespace fedcloak::net {
namespace {

// Memory reserved up front; beyond it the buffer grows as data actually arrives, so a
// peer that announces a huge total and sends little cannot make us allocate the total.
constexpr uint64_t kMaxReserve = uint64_t{16} << 20;

}  // namespace

absl::Status PayloadAssembler::CheckChunkSize(size_t size) const {
  if (size > limits_.max_chunk_bytes) {
    return absl::ResourceExhaustedError(
        fmt::format("chunk of {} bytes for task {} exceeds the limit of {} bytes", size,
                    header_.task_id, limits_.max_chunk_bytes));
  }
  return absl::OkStatus();
}

absl::StatusOr<PayloadAssembler> PayloadAssembler::Begin(const ChunkHeader& header,
                                                         std::span<const uint8_t> data,
                                                         const ChunkLimits& limits) {
  PayloadAssembler assembler(header, limits);
  FEDCLOAK_RETURN_IF_ERROR(assembler.CheckChunkSize(data.size()));
  if (header.total_size > limits.max_payload_bytes) {
    return absl::ResourceExhaustedError(
        fmt::format("payload of {} bytes for task {} exceeds the limit of {} bytes",
                    header.total_size, header.task_id, limits.max_payload_bytes));
  }
  if (header.offset != 0) {
    return absl::InvalidArgumentError(
        fmt::format("first chunk of task {} starts at offset {}, expected 0 (out of order)",
                    header.task_id, header.offset));
  }
  if (data.size() > header.total_size) {
    return absl::InvalidArgumentError(
        fmt::format("chunk of {} bytes for task {} runs past its total size of {} bytes",
                    data.size(), header.task_id, header.total_size));
  }
  if (data.empty() && header.total_size != 0) {
    return absl::InvalidArgumentError(
        fmt::format("empty chunk for task {} with a total size of {} bytes", header.task_id,
                    header.total_size));
  }
  assembler.header_.offset = 0;
  assembler.payload_.reserve(static_cast<size_t>(std::min(header.total_size, kMaxReserve)));
  assembler.payload_.assign(data.begin(), data.end());
  return assembler;
}

absl::Status PayloadAssembler::Append(const ChunkHeader& header, std::span<const uint8_t> data) {
  if (complete()) {
    return absl::InvalidArgumentError(
        fmt::format("chunk at offset {} for task {} after its payload was complete (duplicate)",
                    header.offset, header_.task_id));
  }
  if (header.task_id != header_.task_id || header.round != header_.round ||
      header.kind != header_.kind || header.total_size != header_.total_size) {
    return absl::InvalidArgumentError(fmt::format(
        "chunk header (task {}, round {}, kind {}, total {}) differs from the first chunk's "
        "(task {}, round {}, kind {}, total {})",
        header.task_id, header.round, header.kind, header.total_size, header_.task_id,
        header_.round, header_.kind, header_.total_size));
  }
  FEDCLOAK_RETURN_IF_ERROR(CheckChunkSize(data.size()));
  if (header.offset != payload_.size()) {
    return absl::InvalidArgumentError(
        fmt::format("chunk of task {} at offset {}, expected offset {} (out of order)",
                    header_.task_id, header.offset, payload_.size()));
  }
  if (data.empty() || data.size() > header_.total_size - payload_.size()) {
    return absl::InvalidArgumentError(fmt::format(
        "chunk of {} bytes at offset {} for task {} does not fit its total size of {} bytes",
        data.size(), header.offset, header_.task_id, header_.total_size));
  }
  payload_.insert(payload_.end(), data.begin(), data.end());
  return absl::OkStatus();
}

std::vector<uint8_t> PayloadAssembler::TakePayload() && {
  FEDCLOAK_CHECK(complete(), "payload taken before its last chunk arrived");
  return std::move(payload_);
}

bool ForEachChunk(std::span<const uint8_t> payload, size_t max_chunk_bytes,
                  const std::function<bool(uint64_t, std::span<const uint8_t>)>& emit) {
  FEDCLOAK_CHECK(max_chunk_bytes > 0);
  if (payload.empty()) return emit(0, payload);
  for (size_t offset = 0; offset < payload.size(); offset += max_chunk_bytes) {
    const size_t size = std::min(max_chunk_bytes, payload.size() - offset);
    if (!emit(offset, payload.subspan(offset, size))) return false;
  }
  return true;
}

}  // namespace fedcloak::net
