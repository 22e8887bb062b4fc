#include "fedcloak/store/checkpoint_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "fedcloak/base/bytes.h"
#include "fedcloak/base/check.h"
#include "fedcloak/base/hex.h"
#include "fedcloak/base/status.h"

namespace fedcloak::store {
namespace {

absl::Status IoError(std::string_view what, const std::string& path, int err) {
  return absl::InternalError(fmt::format("{} {}: {}", what, path, std::strerror(err)));
}

// Reads a u64 length and a view of that many bytes (at most what remains).
absl::Status ReadLength64Prefixed(ByteReader& r, std::string_view field,
                                  std::span<const uint8_t>* out) {
  uint64_t n = 0;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU64(field, &n));
  if (n > r.remaining()) {
    return absl::DataLossError(
        fmt::format("{} of {} bytes exceeds the {} bytes that remain", field, n, r.remaining()));
  }
  return r.ReadBytes(field, static_cast<size_t>(n), out);
}

}  // namespace

absl::Status FsyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open directory", dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return IoError("cannot fsync directory", dir, err);
  return absl::OkStatus();
}

std::vector<uint8_t> EncodeCheckpoint(const CheckpointContents& c) {
  FEDCLOAK_CHECK(c.model.size() <= kMaxCheckpointValues, "model too large for a checkpoint");
  std::vector<uint8_t> payload;
  payload.reserve(8 + 8 + 4 * c.model.size() + 8 + c.strategy_state.size() + 8 + c.extra.size());
  ByteWriter w(&payload);
  w.PutU64(static_cast<uint64_t>(c.run));
  w.PutU64(c.model.size());
  for (float v : c.model) w.PutU32(std::bit_cast<uint32_t>(v));
  w.PutU64(c.strategy_state.size());
  w.PutBytes(c.strategy_state);
  w.PutU64(c.extra.size());
  w.PutBytes(c.extra);
  BlobHeader h;
  h.kind = kCheckpointKind;
  h.round = c.round;
  return EncodeBlob(h, payload);
}

absl::StatusOr<CheckpointContents> DecodeCheckpoint(std::span<const uint8_t> bytes,
                                                    const std::string& source) {
  auto wrap = [&](const absl::Status& s) {
    return absl::Status(s.code(),
                        fmt::format("checkpoint {}: {}", source, std::string(s.message())));
  };
  auto blob = ParseBlob(bytes);
  if (!blob.ok()) return wrap(blob.status());
  BlobExpectation expected;
  expected.kind = kCheckpointKind;
  if (auto s = CheckBlobHeader(blob->header, expected); !s.ok()) return wrap(s);
  CheckpointContents c;
  c.round = blob->header.round;
  ByteReader r(blob->payload);
  uint64_t run = 0, count = 0;
  if (auto s = r.ReadU64("run id", &run); !s.ok()) return wrap(s);
  if (run > static_cast<uint64_t>(INT64_MAX)) {
    return wrap(absl::DataLossError(fmt::format("run id {} out of range", run)));
  }
  c.run = static_cast<int64_t>(run);
  if (auto s = r.ReadU64("model value count", &count); !s.ok()) return wrap(s);
  if (count > kMaxCheckpointValues || count * 4 > r.remaining()) {
    return wrap(absl::DataLossError(fmt::format("model value count {} needs {} bytes, {} remain",
                                                count, count * 4, r.remaining())));
  }
  c.model.resize(static_cast<size_t>(count));
  for (size_t i = 0; i < c.model.size(); ++i) {
    uint32_t bits = 0;
    if (auto s = r.ReadU32("model value", &bits); !s.ok()) return wrap(s);
    c.model[i] = std::bit_cast<float>(bits);
    if (!std::isfinite(c.model[i])) {
      return wrap(absl::DataLossError(fmt::format("model value {} is not finite", i)));
    }
  }
  std::span<const uint8_t> state, extra;
  if (auto s = ReadLength64Prefixed(r, "strategy state", &state); !s.ok()) return wrap(s);
  if (auto s = ReadLength64Prefixed(r, "extra bytes", &extra); !s.ok()) return wrap(s);
  if (auto s = r.ExpectEnd("checkpoint payload"); !s.ok()) return wrap(s);
  c.strategy_state.assign(state.begin(), state.end());
  c.extra.assign(extra.begin(), extra.end());
  return c;
}

std::string Sha256Hex(std::span<const uint8_t> bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  FEDCLOAK_CHECK(EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr) == 1,
                 "EVP_Digest(SHA-256) failed");
  return ToHex(std::span<const uint8_t>(digest, len));
}

absl::Status WriteFileAtomically(const std::string& path, std::span<const uint8_t> bytes) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("cannot create", tmp, errno);
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      ::close(fd);
      ::unlink(tmp.c_str());
      return IoError("cannot write", tmp, err);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return IoError("cannot fsync", tmp, err);
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return IoError("cannot close", tmp, err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return IoError("cannot rename temporary file to", path, err);
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  return FsyncDirectory(dir.empty() ? "." : dir);
}

absl::StatusOr<std::vector<uint8_t>> ReadFileOfSize(const std::string& path,
                                                    uint64_t expected_size) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::DataLossError(
        fmt::format("checkpoint {} cannot be read: {}", path, std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_size) != expected_size) {
    const auto actual = static_cast<long long>(st.st_size);
    ::close(fd);
    return absl::DataLossError(fmt::format("checkpoint {} has {} bytes, the store records {}", path,
                                           actual, expected_size));
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(expected_size));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      ::close(fd);
      return absl::DataLossError(
          fmt::format("checkpoint {} cannot be read: {}", path, std::strerror(err)));
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return bytes;
}

}  // namespace fedcloak::store
