#include "fedcloak/base/bytes.h"

#include <fmt/format.h>

#include "fedcloak/base/status.h"

namespace fedcloak {

void ByteWriter::PutLengthPrefixed(std::span<const uint8_t> bytes) {
  PutU32(static_cast<uint32_t>(bytes.size()));
  PutBytes(bytes);
}

void ByteWriter::PutString(std::string_view s) {
  PutLengthPrefixed(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

absl::Status ByteReader::Need(std::string_view field, size_t size) const {
  if (remaining() < size) {
    return absl::DataLossError(fmt::format("truncated {}: need {} bytes at offset {}, have {}",
                                           field, size, offset_, remaining()));
  }
  return absl::OkStatus();
}

uint64_t ByteReader::TakeLittleEndian(int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    v |= uint64_t{bytes_[offset_ + static_cast<size_t>(i)]} << (8 * i);
  }
  offset_ += static_cast<size_t>(bytes);
  return v;
}

absl::Status ByteReader::ReadU8(std::string_view field, uint8_t* v) {
  FEDCLOAK_RETURN_IF_ERROR(Need(field, 1));
  *v = static_cast<uint8_t>(TakeLittleEndian(1));
  return absl::OkStatus();
}

absl::Status ByteReader::ReadU16(std::string_view field, uint16_t* v) {
  FEDCLOAK_RETURN_IF_ERROR(Need(field, 2));
  *v = static_cast<uint16_t>(TakeLittleEndian(2));
  return absl::OkStatus();
}

absl::Status ByteReader::ReadU32(std::string_view field, uint32_t* v) {
  FEDCLOAK_RETURN_IF_ERROR(Need(field, 4));
  *v = static_cast<uint32_t>(TakeLittleEndian(4));
  return absl::OkStatus();
}

absl::Status ByteReader::ReadU64(std::string_view field, uint64_t* v) {
  FEDCLOAK_RETURN_IF_ERROR(Need(field, 8));
  *v = TakeLittleEndian(8);
  return absl::OkStatus();
}

absl::Status ByteReader::ReadBytes(std::string_view field, size_t size,
                                   std::span<const uint8_t>* out) {
  FEDCLOAK_RETURN_IF_ERROR(Need(field, size));
  *out = bytes_.subspan(offset_, size);
  offset_ += size;
  return absl::OkStatus();
}

absl::Status ByteReader::ReadLengthPrefixed(std::string_view field, size_t max_size,
                                            std::span<const uint8_t>* out) {
  uint32_t size = 0;
  FEDCLOAK_RETURN_IF_ERROR(ReadU32(fmt::format("{} length", field), &size));
  if (size > max_size) {
    return absl::InvalidArgumentError(
        fmt::format("{} length {} exceeds the limit of {} bytes", field, size, max_size));
  }
  return ReadBytes(field, size, out);
}

absl::Status ByteReader::ReadString(std::string_view field, size_t max_size, std::string* out) {
  std::span<const uint8_t> bytes;
  FEDCLOAK_RETURN_IF_ERROR(ReadLengthPrefixed(field, max_size, &bytes));
  out->assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return absl::OkStatus();
}

absl::Status ByteReader::ExpectEnd(std::string_view what) const {
  if (remaining() != 0) {
    return absl::DataLossError(
        fmt::format("{} has {} trailing bytes at offset {}", what, remaining(), offset_));
  }
  return absl::OkStatus();
}

}  // namespace fedcloak
