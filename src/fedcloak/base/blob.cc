#include "fedcloak/base/blob.h"

#include <fmt/format.h>

#include <cstring>

#include "fedcloak/base/bytes.h"
#include "fedcloak/base/check.h"
#include "fedcloak/base/hex.h"
#include "fedcloak/base/status.h"

namespace fedcloak {

std::string SessionId::ToHex() const { return fedcloak::ToHex(bytes); }

std::string SessionId::ShortHex() const { return ToHex().substr(0, 8); }

void AppendBlobHeader(const BlobHeader& header, std::vector<uint8_t>* out) {
  const size_t start = out->size();
  ByteWriter w(out);
  w.PutBytes(kBlobMagic);
  w.PutU16(static_cast<uint16_t>(kBlobHeaderSize));
  w.PutU16(kBlobFormatVersion);
  w.PutU16(header.kind);
  w.PutU16(0);  // flags, reserved
  w.PutU32(0);  // reserved
  w.PutU64(header.parameter_id);
  w.PutU64(header.round);
  w.PutBytes(header.session.bytes);
  w.PutU64(header.payload_length);
  FEDCLOAK_CHECK(out->size() - start == kBlobHeaderSize, "blob header layout");
}

void AppendBlob(BlobHeader header, std::span<const uint8_t> payload, std::vector<uint8_t>* out) {
  header.payload_length = payload.size();
  out->reserve(out->size() + kBlobHeaderSize + payload.size());
  AppendBlobHeader(header, out);
  out->insert(out->end(), payload.begin(), payload.end());
}

std::vector<uint8_t> EncodeBlob(BlobHeader header, std::span<const uint8_t> payload) {
  std::vector<uint8_t> out;
  AppendBlob(header, payload, &out);
  return out;
}

absl::StatusOr<BlobHeader> ParseBlobHeader(std::span<const uint8_t> bytes,
                                           const BlobLimits& limits) {
  if (bytes.size() < kBlobHeaderSize) {
    return absl::DataLossError(fmt::format("blob of {} bytes is shorter than the {}-byte header",
                                           bytes.size(), kBlobHeaderSize));
  }
  ByteReader r(bytes.first(kBlobHeaderSize));
  std::span<const uint8_t> magic;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadBytes("magic", 4, &magic));
  if (std::memcmp(magic.data(), kBlobMagic.data(), kBlobMagic.size()) != 0) {
    return absl::DataLossError(
        fmt::format("blob magic is 0x{}, expected 0x464c434b (\"FCLK\")", fedcloak::ToHex(magic)));
  }
  uint16_t header_size = 0, version = 0, flags = 0;
  uint32_t reserved = 0;
  BlobHeader h;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU16("header size", &header_size));
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU16("format version", &version));
  if (version != kBlobFormatVersion) {
    return absl::InvalidArgumentError(
        fmt::format("blob format version {} is not supported (this build reads {})", version,
                    kBlobFormatVersion));
  }
  if (header_size != kBlobHeaderSize) {
    return absl::DataLossError(
        fmt::format("blob header size is {}, expected {} for format version {}", header_size,
                    kBlobHeaderSize, version));
  }
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU16("object kind", &h.kind));
  if (h.kind == 0) return absl::DataLossError("blob object kind is 0, which is never valid");
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU16("flags", &flags));
  if (flags != 0) {
    return absl::DataLossError(fmt::format("blob flags are {}, expected 0", flags));
  }
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU32("reserved", &reserved));
  if (reserved != 0) {
    return absl::DataLossError(fmt::format("blob reserved field is {}, expected 0", reserved));
  }
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU64("parameter id", &h.parameter_id));
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU64("round", &h.round));
  std::span<const uint8_t> session;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadBytes("session id", h.session.bytes.size(), &session));
  std::memcpy(h.session.bytes.data(), session.data(), session.size());
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU64("payload length", &h.payload_length));
  if (h.payload_length > limits.max_payload_length) {
    return absl::InvalidArgumentError(
        fmt::format("blob payload length {} exceeds the limit of {} bytes", h.payload_length,
                    limits.max_payload_length));
  }
  return h;
}

absl::StatusOr<BlobView> ParseBlob(std::span<const uint8_t> bytes, const BlobLimits& limits) {
  FEDCLOAK_ASSIGN_OR_RETURN(BlobHeader header, ParseBlobHeader(bytes, limits));
  const uint64_t available = bytes.size() - kBlobHeaderSize;
  if (available != header.payload_length) {
    return absl::DataLossError(
        fmt::format("blob payload length field says {} bytes but {} follow the header",
                    header.payload_length, available));
  }
  return BlobView{header, bytes.subspan(kBlobHeaderSize)};
}

absl::Status CheckBlobHeader(const BlobHeader& header, const BlobExpectation& expected) {
  if (header.kind != expected.kind) {
    return absl::InvalidArgumentError(
        fmt::format("blob object kind is {:#06x}, expected {:#06x}", header.kind, expected.kind));
  }
  if (expected.parameter_id && header.parameter_id != *expected.parameter_id) {
    return absl::InvalidArgumentError(fmt::format("blob parameter id is {:#x}, expected {:#x}",
                                                  header.parameter_id, *expected.parameter_id));
  }
  if (expected.session && !(header.session == *expected.session)) {
    return absl::InvalidArgumentError(fmt::format("blob session id is {}..., expected {}...",
                                                  header.session.ShortHex(),
                                                  expected.session->ShortHex()));
  }
  if (expected.round && header.round != *expected.round) {
    return absl::InvalidArgumentError(
        fmt::format("blob round is {}, expected {}", header.round, *expected.round));
  }
  return absl::OkStatus();
}

}  // namespace fedcloak
