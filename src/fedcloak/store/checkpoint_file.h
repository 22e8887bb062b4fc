// Global-model checkpoint files: one versioned blob (kind kCheckpointKind) holding the
// model, the server strategy's saved state and caller-defined extra bytes, written
// atomically (temporary file, fsync, rename, fsync of the directory) so that a crash
// leaves either the old file or the new one, never a torn one. Layout:
// doc/wire_format.md, section "store: checkpoints".
#ifndef FEDCLOAK_STORE_CHECKPOINT_FILE_H_
#define FEDCLOAK_STORE_CHECKPOINT_FILE_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/base/blob.h"

namespace fedcloak::store {

inline constexpr ObjectKind kCheckpointKind = 0x0501;
// Largest model a checkpoint holds (values).
inline constexpr uint64_t kMaxCheckpointValues = uint64_t{1} << 30;

struct CheckpointContents {
  int64_t run = 0;
  uint64_t round = 0;
  std::vector<float> model;             // the global model after `round`
  std::vector<uint8_t> strategy_state;  // fl::Strategy::SaveState(), may be empty
  std::vector<uint8_t> extra;           // caller-defined (e.g. privacy accountant state)
};

std::vector<uint8_t> EncodeCheckpoint(const CheckpointContents& contents);

// Parses a checkpoint. DataLoss naming `source` for a bad header, a truncated payload,
// trailing bytes, a model over kMaxCheckpointValues or a non-finite model value;
// InvalidArgument if the blob is of another kind.
absl::StatusOr<CheckpointContents> DecodeCheckpoint(std::span<const uint8_t> bytes,
                                                    const std::string& source);

// Lowercase hex SHA-256 of `bytes` (OpenSSL EVP).
std::string Sha256Hex(std::span<const uint8_t> bytes);

// Writes `bytes` to `path` via `path`.tmp: write, fsync, rename, fsync of the directory.
// Internal error naming the path on any I/O failure (the temporary file is removed).
absl::Status WriteFileAtomically(const std::string& path, std::span<const uint8_t> bytes);

// fsync of a directory, so that entries created or renamed in it are durable.
absl::Status FsyncDirectory(const std::string& dir);

// Reads a whole file whose size must be `expected_size` (checked before allocating).
// DataLoss naming the file if it is missing or has another size.
absl::StatusOr<std::vector<uint8_t>> ReadFileOfSize(const std::string& path,
                                                    uint64_t expected_size);

}  // namespace fedcloak::store

#endif  // FEDCLOAK_STORE_CHECKPOINT_FILE_H_
