// Helpers shared by the engine's message encoders (messages.cc, secure_messages.cc):
// opening and sealing a session- and round-bound blob, doubles and fixed arrays.
// Internal to module fl.
#ifndef FEDCLOAK_FL_MESSAGE_CODEC_H_
#define FEDCLOAK_FL_MESSAGE_CODEC_H_

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/base/blob.h"
#include "fedcloak/base/bytes.h"
#include "fedcloak/base/status.h"

namespace fedcloak::fl::internal {

// Parses `blob` and checks its kind, session and round; the reader covers the payload.
absl::StatusOr<ByteReader> OpenMessage(std::span<const uint8_t> blob, ObjectKind kind,
                                       const SessionId& session, uint64_t round);

std::vector<uint8_t> SealMessage(ObjectKind kind, const SessionId& session, uint64_t round,
                                 const std::vector<uint8_t>& payload);

void PutDouble(ByteWriter& w, double v);
// InvalidArgument naming `field` for a non-finite value.
absl::Status ReadDouble(ByteReader& r, std::string_view field, double* v);

template <size_t N>
absl::Status ReadArray(ByteReader& r, std::string_view field, std::array<uint8_t, N>* out) {
  std::span<const uint8_t> bytes;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadBytes(field, N, &bytes));
  std::memcpy(out->data(), bytes.data(), N);
  return absl::OkStatus();
}

}  // namespace fedcloak::fl::internal

#endif  // FEDCLOAK_FL_MESSAGE_CODEC_H_
