#include "fedcloak/fl/message_codec.h"

#include <fmt/format.h>

#include <cmath>

namespace fedcloak::fl::internal {

absl::StatusOr<ByteReader> OpenMessage(std::span<const uint8_t> blob, ObjectKind kind,
                                       const SessionId& session, uint64_t round) {
  FEDCLOAK_ASSIGN_OR_RETURN(BlobView view, ParseBlob(blob));
  BlobExpectation e;
  e.kind = kind;
  e.session = session;
  e.round = round;
  FEDCLOAK_RETURN_IF_ERROR(CheckBlobHeader(view.header, e));
  return ByteReader(view.payload);
}

std::vector<uint8_t> SealMessage(ObjectKind kind, const SessionId& session, uint64_t round,
                                 const std::vector<uint8_t>& payload) {
  BlobHeader h;
  h.kind = kind;
  h.session = session;
  h.round = round;
  return EncodeBlob(h, payload);
}

void PutDouble(ByteWriter& w, double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  w.PutU64(bits);
}

absl::Status ReadDouble(ByteReader& r, std::string_view field, double* v) {
  uint64_t bits = 0;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU64(field, &bits));
  std::memcpy(v, &bits, sizeof(*v));
  if (!std::isfinite(*v)) {
    return absl::InvalidArgumentError(fmt::format("{} is not a finite number", field));
  }
  return absl::OkStatus();
}

}  // namespace fedcloak::fl::internal
