// The versioned blob format: every object that crosses a process boundary (network
// message payload, file, checkpoint) is a fixed 72-byte header followed by a payload.
// Byte layout: doc/wire_format.md. The header is validated in full, and the payload
// length bounded, before anything is allocated for the payload.
#ifndef FEDCLOAK_BASE_BLOB_H_
#define FEDCLOAK_BASE_BLOB_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace fedcloak {

inline constexpr std::array<uint8_t, 4> kBlobMagic = {'F', 'C', 'L', 'K'};
inline constexpr uint16_t kBlobFormatVersion = 1;
inline constexpr size_t kBlobHeaderSize = 72;

// Identifies one federated session (for secure aggregation: a hash of all advertised
// public keys). Public; compared with ==.
struct SessionId {
  std::array<uint8_t, 32> bytes{};

  friend bool operator==(const SessionId&, const SessionId&) = default;
  std::string ToHex() const;     // 64 lowercase hex digits
  std::string ShortHex() const;  // first 8 hex digits, for messages
};

// Object kinds. Each module owns a range so that numbers never collide:
//   0x0001-0x00ff base (tests), 0x0100-0x01ff crypto, 0x0200-0x02ff secagg,
//   0x0300-0x03ff fl, 0x0400-0x04ff ml, 0x0500-0x05ff store. Zero is never valid.
using ObjectKind = uint16_t;

struct BlobHeader {
  ObjectKind kind = 0;
  uint64_t parameter_id = 0;  // 0: object has no parameter set
  uint64_t round = 0;
  SessionId session;
  uint64_t payload_length = 0;

  friend bool operator==(const BlobHeader&, const BlobHeader&) = default;
};

struct BlobLimits {
  // Largest payload a reader accepts. Default: 1 GiB.
  uint64_t max_payload_length = uint64_t{1} << 30;
};

struct BlobView {
  BlobHeader header;
  std::span<const uint8_t> payload;  // points into the parsed buffer
};

// Appends header (with payload_length = payload.size()) and payload to `out`.
void AppendBlob(BlobHeader header, std::span<const uint8_t> payload, std::vector<uint8_t>* out);
std::vector<uint8_t> EncodeBlob(BlobHeader header, std::span<const uint8_t> payload);

// Appends only the header; the caller appends exactly header.payload_length bytes.
// Used by writers that produce large payloads in place.
void AppendBlobHeader(const BlobHeader& header, std::vector<uint8_t>* out);

// Parses and validates the first kBlobHeaderSize bytes of `bytes`.
// Returns DataLoss for a short buffer, wrong magic, wrong header size, non-zero reserved
// bytes or a zero kind; InvalidArgument for an unsupported format version or a payload
// length over `limits`. Each message names the field and the value.
absl::StatusOr<BlobHeader> ParseBlobHeader(std::span<const uint8_t> bytes,
                                           const BlobLimits& limits = {});

// Parses a whole blob: the header as above, then requires exactly payload_length bytes
// to follow (DataLoss if fewer or more).
absl::StatusOr<BlobView> ParseBlob(std::span<const uint8_t> bytes, const BlobLimits& limits = {});

// What a loader expects of a header; unset fields are not checked.
struct BlobExpectation {
  ObjectKind kind = 0;
  std::optional<uint64_t> parameter_id;
  std::optional<SessionId> session;
  std::optional<uint64_t> round;
};

// InvalidArgument naming the first field that differs from `expected`.
absl::Status CheckBlobHeader(const BlobHeader& header, const BlobExpectation& expected);

}  // namespace fedcloak

#endif  // FEDCLOAK_BASE_BLOB_H_
