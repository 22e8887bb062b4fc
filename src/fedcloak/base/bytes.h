// Little-endian encoding helpers for payloads of the versioned blob format.
// ByteReader never reads past its span: every read is bounds-checked and a short input
// is DataLoss naming the field being read.
#ifndef FEDCLOAK_BASE_BYTES_H_
#define FEDCLOAK_BASE_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace fedcloak {

class ByteWriter {
 public:
  explicit ByteWriter(std::vector<uint8_t>* out) : out_(out) {}

  void PutU8(uint8_t v) { out_->push_back(v); }
  void PutU16(uint16_t v) { PutLittleEndian(v, 2); }
  void PutU32(uint32_t v) { PutLittleEndian(v, 4); }
  void PutU64(uint64_t v) { PutLittleEndian(v, 8); }
  void PutBytes(std::span<const uint8_t> bytes) {
    out_->insert(out_->end(), bytes.begin(), bytes.end());
  }
  // A u32 length followed by the bytes.
  void PutLengthPrefixed(std::span<const uint8_t> bytes);
  void PutString(std::string_view s);

 private:
  void PutLittleEndian(uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out_->push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  std::vector<uint8_t>* out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  // Each returns DataLoss("truncated <field>: need N bytes at offset O, have R").
  absl::Status ReadU8(std::string_view field, uint8_t* v);
  absl::Status ReadU16(std::string_view field, uint16_t* v);
  absl::Status ReadU32(std::string_view field, uint32_t* v);
  absl::Status ReadU64(std::string_view field, uint64_t* v);
  // Returns a view into the underlying span (no copy).
  absl::Status ReadBytes(std::string_view field, size_t size, std::span<const uint8_t>* out);
  // A u32 length (at most `max_size`, else InvalidArgument) followed by that many bytes.
  absl::Status ReadLengthPrefixed(std::string_view field, size_t max_size,
                                  std::span<const uint8_t>* out);
  absl::Status ReadString(std::string_view field, size_t max_size, std::string* out);

  // DataLoss if unread bytes remain: a payload must be consumed exactly.
  absl::Status ExpectEnd(std::string_view what) const;

  size_t offset() const { return offset_; }
  size_t remaining() const { return bytes_.size() - offset_; }

 private:
  absl::Status Need(std::string_view field, size_t size) const;
  uint64_t TakeLittleEndian(int bytes);

  std::span<const uint8_t> bytes_;
  size_t offset_ = 0;
};

}  // namespace fedcloak

#endif  // FEDCLOAK_BASE_BYTES_H_
