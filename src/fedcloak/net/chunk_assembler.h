// Splitting payloads into bounded chunks and putting them back together. Payloads of
// tasks and results can be hundreds of MB; gRPC messages are bounded (max_chunk_bytes
// plus a small envelope), so every payload travels as a run of Chunk messages whose
// header fields repeat on every chunk (doc/wire_format.md, "Site link (net)").
//
// PayloadAssembler trusts nothing it receives: it checks each chunk against the first
// one and against the limits before it copies a byte. Not thread-safe; one owner.
#ifndef FEDCLOAK_NET_CHUNK_ASSEMBLER_H_
#define FEDCLOAK_NET_CHUNK_ASSEMBLER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace fedcloak::net {

struct ChunkLimits {
  // Largest data field of one chunk. Default: 1 MiB.
  size_t max_chunk_bytes = size_t{1} << 20;
  // Largest reassembled payload. Default: 1 GiB.
  uint64_t max_payload_bytes = uint64_t{1} << 30;
};

// The header fields every chunk of one payload carries.
struct ChunkHeader {
  uint64_t task_id = 0;
  uint64_t round = 0;
  uint32_t kind = 0;
  uint64_t total_size = 0;
  uint64_t offset = 0;
};

class PayloadAssembler {
 public:
  // Starts a payload from its first chunk, which must have offset 0.
  // ResourceExhausted if the chunk or the announced total exceeds `limits`;
  // InvalidArgument for a non-zero offset, data beyond total_size, or an empty chunk of
  // a non-empty payload.
  static absl::StatusOr<PayloadAssembler> Begin(const ChunkHeader& header,
                                                std::span<const uint8_t> data,
                                                const ChunkLimits& limits);

  // Adds the next chunk. InvalidArgument if the payload is already complete
  // (duplicate chunk), a header field differs from the first chunk's (wrong round,
  // kind, task or total), the offset is not where the previous chunk ended (out of
  // order), or the data runs past total_size; ResourceExhausted for an oversized chunk.
  // After an error the assembler must be discarded.
  absl::Status Append(const ChunkHeader& header, std::span<const uint8_t> data);

  bool complete() const { return payload_.size() == header_.total_size; }
  const ChunkHeader& header() const { return header_; }
  uint64_t received() const { return payload_.size(); }

  // REQUIRES: complete().
  std::vector<uint8_t> TakePayload() &&;

 private:
  PayloadAssembler(const ChunkHeader& header, const ChunkLimits& limits)
      : header_(header), limits_(limits) {}
  absl::Status CheckChunkSize(size_t size) const;

  ChunkHeader header_;  // offset field: of the first chunk (0)
  ChunkLimits limits_;
  std::vector<uint8_t> payload_;
};

// Calls `emit(offset, data)` for consecutive chunks of at most `max_chunk_bytes` that
// cover `payload`; one empty chunk for an empty payload. Stops early and returns false
// as soon as `emit` returns false. REQUIRES: max_chunk_bytes > 0.
bool ForEachChunk(std::span<const uint8_t> payload, size_t max_chunk_bytes,
                  const std::function<bool(uint64_t offset, std::span<const uint8_t> data)>& emit);

}  // namespace fedcloak::net

#endif  // FEDCLOAK_NET_CHUNK_ASSEMBLER_H_
