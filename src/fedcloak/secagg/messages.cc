#include "fedcloak/secagg/messages.h"

#include <sodium.h>

#include <bit>
#include <cstring>

#include "absl/status/status.h"
#include "fedcloak/base/bytes.h"
#include "fedcloak/base/check.h"
#include "fedcloak/base/status.h"
#include "fedcloak/crypto/shamir.h"
#include "fmt/format.h"

namespace fedcloak::secagg {
namespace {

constexpr size_t kAdvertiseSize = 4 + 32 + 32 + 64;
constexpr size_t kSealedEntrySize = 4 + kShareCiphertextSize;
constexpr size_t kRevealedEntrySize = 4 + 1 + 8 * kShareElements;

std::vector<uint8_t> Finish(ObjectKind kind, const MessageContext& context,
                            const std::vector<uint8_t>& payload) {
  BlobHeader header;
  header.kind = kind;
  header.parameter_id = context.parameter_id;
  header.round = context.round;
  header.session = context.session;
  return EncodeBlob(header, payload);
}

// Parses the blob and checks kind, parameter id, round and (if given) session; the
// payload may not exceed `max_payload`.
absl::StatusOr<BlobView> OpenBlob(std::span<const uint8_t> blob, ObjectKind kind,
                                  const SecAggParameters& params, uint64_t round,
                                  const std::optional<SessionId>& session, uint64_t max_payload) {
  BlobLimits limits;
  limits.max_payload_length = max_payload;
  FEDCLOAK_ASSIGN_OR_RETURN(BlobView view, ParseBlob(blob, limits));
  BlobExpectation expected;
  expected.kind = kind;
  expected.parameter_id = params.parameter_id();
  expected.round = round;
  expected.session = session;
  FEDCLOAK_RETURN_IF_ERROR(CheckBlobHeader(view.header, expected));
  return view;
}

absl::Status ReadSiteId(ByteReader& r, std::string_view field, const SecAggParameters& params,
                        uint32_t* id) {
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU32(field, id));
  if (*id < 1 || *id > params.num_sites()) {
    return absl::InvalidArgumentError(
        fmt::format("{} {} outside [1, {}]", field, *id, params.num_sites()));
  }
  return absl::OkStatus();
}

absl::Status ReadCount(ByteReader& r, std::string_view field, uint32_t max, size_t entry_size,
                       uint32_t* count) {
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU32(field, count));
  if (*count > max) {
    return absl::InvalidArgumentError(fmt::format("{} {} exceeds {}", field, *count, max));
  }
  if (r.remaining() < size_t{*count} * entry_size) {
    return absl::DataLossError(fmt::format("{} {} entries of {} bytes do not fit in {} bytes",
                                           field, *count, entry_size, r.remaining()));
  }
  return absl::OkStatus();
}

absl::Status CheckIncreasing(std::string_view field, uint32_t previous, uint32_t id) {
  if (id <= previous) {
    return absl::InvalidArgumentError(
        fmt::format("{} {} after {}: lists must be strictly increasing", field, id, previous));
  }
  return absl::OkStatus();
}

template <size_t N>
absl::Status ReadArray(ByteReader& r, std::string_view field, std::array<uint8_t, N>* out) {
  std::span<const uint8_t> bytes;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadBytes(field, N, &bytes));
  std::memcpy(out->data(), bytes.data(), N);
  return absl::OkStatus();
}

void PutAdvertise(ByteWriter& w, const AdvertiseKeys& a) {
  w.PutU32(a.site);
  w.PutBytes(a.encryption_key);
  w.PutBytes(a.mask_key);
  w.PutBytes(a.signature);
}

absl::Status ReadAdvertise(ByteReader& r, const SecAggParameters& params, AdvertiseKeys* a) {
  FEDCLOAK_RETURN_IF_ERROR(ReadSiteId(r, "site", params, &a->site));
  FEDCLOAK_RETURN_IF_ERROR(ReadArray(r, "encryption key", &a->encryption_key));
  FEDCLOAK_RETURN_IF_ERROR(ReadArray(r, "mask key", &a->mask_key));
  return ReadArray(r, "signature", &a->signature);
}

void PutSealed(ByteWriter& w, const std::vector<SealedShare>& shares) {
  w.PutU32(static_cast<uint32_t>(shares.size()));
  for (const SealedShare& s : shares) {
    FEDCLOAK_CHECK(s.ciphertext.size() == kShareCiphertextSize, "sealed share of wrong size");
    w.PutU32(s.peer);
    w.PutBytes(s.ciphertext);
  }
}

absl::Status ReadSealed(ByteReader& r, const SecAggParameters& params, uint32_t self,
                        std::vector<SealedShare>* shares) {
  uint32_t count = 0;
  FEDCLOAK_RETURN_IF_ERROR(
      ReadCount(r, "share count", params.num_sites() - 1, kSealedEntrySize, &count));
  shares->resize(count);
  uint32_t previous = 0;
  for (SealedShare& s : *shares) {
    FEDCLOAK_RETURN_IF_ERROR(ReadSiteId(r, "share peer", params, &s.peer));
    FEDCLOAK_RETURN_IF_ERROR(CheckIncreasing("share peer", previous, s.peer));
    if (s.peer == self) {
      return absl::InvalidArgumentError(fmt::format("site {} addresses a share to itself", self));
    }
    previous = s.peer;
    std::span<const uint8_t> ct;
    FEDCLOAK_RETURN_IF_ERROR(r.ReadBytes("share ciphertext", kShareCiphertextSize, &ct));
    s.ciphertext.assign(ct.begin(), ct.end());
  }
  return absl::OkStatus();
}

absl::Status ReadIdList(ByteReader& r, std::string_view field, const SecAggParameters& params,
                        std::vector<uint32_t>* ids) {
  uint32_t count = 0;
  FEDCLOAK_RETURN_IF_ERROR(ReadCount(r, field, params.num_sites(), 4, &count));
  ids->resize(count);
  uint32_t previous = 0;
  for (uint32_t& id : *ids) {
    FEDCLOAK_RETURN_IF_ERROR(ReadSiteId(r, field, params, &id));
    FEDCLOAK_RETURN_IF_ERROR(CheckIncreasing(field, previous, id));
    previous = id;
  }
  return absl::OkStatus();
}

uint64_t SealedPayloadBound(const SecAggParameters& params) {
  return 8 + uint64_t{params.num_sites()} * kSealedEntrySize;
}

}  // namespace

std::vector<uint8_t> AdvertiseKeys::SignedBytes(uint64_t parameter_id, uint64_t round) const {
  std::vector<uint8_t> bytes;
  ByteWriter w(&bytes);
  w.PutString("fedcloak.secagg.advertise.v1");
  w.PutU64(parameter_id);
  w.PutU64(round);
  w.PutU32(site);
  w.PutBytes(encryption_key);
  w.PutBytes(mask_key);
  return bytes;
}

std::vector<uint8_t> AdvertiseKeys::Encode(const MessageContext& context) const {
  std::vector<uint8_t> payload;
  ByteWriter w(&payload);
  PutAdvertise(w, *this);
  return Finish(kAdvertiseKeysKind, context, payload);
}

absl::StatusOr<AdvertiseKeys> AdvertiseKeys::Parse(std::span<const uint8_t> blob,
                                                   const SecAggParameters& params, uint64_t round) {
  FEDCLOAK_ASSIGN_OR_RETURN(BlobView view, OpenBlob(blob, kAdvertiseKeysKind, params, round,
                                                    SessionId{}, kAdvertiseSize));
  ByteReader r(view.payload);
  AdvertiseKeys a;
  FEDCLOAK_RETURN_IF_ERROR(ReadAdvertise(r, params, &a));
  FEDCLOAK_RETURN_IF_ERROR(r.ExpectEnd("AdvertiseKeys"));
  return a;
}

std::vector<uint8_t> KeyDirectory::Encode(const MessageContext& context) const {
  std::vector<uint8_t> payload;
  ByteWriter w(&payload);
  w.PutU32(static_cast<uint32_t>(entries.size()));
  for (const AdvertiseKeys& a : entries) PutAdvertise(w, a);
  return Finish(kKeyDirectoryKind, context, payload);
}

absl::StatusOr<KeyDirectory> KeyDirectory::Parse(std::span<const uint8_t> blob,
                                                 const SecAggParameters& params, uint64_t round,
                                                 SessionId* session) {
  FEDCLOAK_ASSIGN_OR_RETURN(BlobView view,
                            OpenBlob(blob, kKeyDirectoryKind, params, round, std::nullopt,
                                     4 + uint64_t{params.num_sites()} * kAdvertiseSize));
  ByteReader r(view.payload);
  uint32_t count = 0;
  FEDCLOAK_RETURN_IF_ERROR(
      ReadCount(r, "directory size", params.num_sites(), kAdvertiseSize, &count));
  KeyDirectory d;
  d.entries.resize(count);
  uint32_t previous = 0;
  for (AdvertiseKeys& a : d.entries) {
    FEDCLOAK_RETURN_IF_ERROR(ReadAdvertise(r, params, &a));
    FEDCLOAK_RETURN_IF_ERROR(CheckIncreasing("directory site", previous, a.site));
    previous = a.site;
  }
  FEDCLOAK_RETURN_IF_ERROR(r.ExpectEnd("KeyDirectory"));
  *session = view.header.session;
  return d;
}

SessionId SessionIdOf(const KeyDirectory& directory, uint64_t parameter_id, uint64_t round) {
  std::vector<uint8_t> bytes;
  ByteWriter w(&bytes);
  w.PutString("fedcloak.secagg.session.v1");
  w.PutU64(parameter_id);
  w.PutU64(round);
  w.PutU32(static_cast<uint32_t>(directory.entries.size()));
  for (const AdvertiseKeys& a : directory.entries) {
    w.PutU32(a.site);
    w.PutBytes(a.encryption_key);
    w.PutBytes(a.mask_key);
  }
  SessionId id;
  FEDCLOAK_CHECK(crypto_generichash(id.bytes.data(), id.bytes.size(), bytes.data(), bytes.size(),
                                    nullptr, 0) == 0);
  return id;
}

std::vector<uint8_t> ShareKeys::Encode(const MessageContext& context) const {
  std::vector<uint8_t> payload;
  ByteWriter w(&payload);
  w.PutU32(sender);
  PutSealed(w, shares);
  return Finish(kShareKeysKind, context, payload);
}

absl::StatusOr<ShareKeys> ShareKeys::Parse(std::span<const uint8_t> blob,
                                           const SecAggParameters& params, uint64_t round,
                                           const SessionId& session) {
  FEDCLOAK_ASSIGN_OR_RETURN(BlobView view, OpenBlob(blob, kShareKeysKind, params, round, session,
                                                    SealedPayloadBound(params)));
  ByteReader r(view.payload);
  ShareKeys m;
  FEDCLOAK_RETURN_IF_ERROR(ReadSiteId(r, "sender", params, &m.sender));
  FEDCLOAK_RETURN_IF_ERROR(ReadSealed(r, params, m.sender, &m.shares));
  FEDCLOAK_RETURN_IF_ERROR(r.ExpectEnd("ShareKeys"));
  return m;
}

std::vector<uint8_t> EncryptedShares::Encode(const MessageContext& context) const {
  std::vector<uint8_t> payload;
  ByteWriter w(&payload);
  w.PutU32(recipient);
  PutSealed(w, shares);
  return Finish(kEncryptedSharesKind, context, payload);
}

absl::StatusOr<EncryptedShares> EncryptedShares::Parse(std::span<const uint8_t> blob,
                                                       const SecAggParameters& params,
                                                       uint64_t round, const SessionId& session) {
  FEDCLOAK_ASSIGN_OR_RETURN(BlobView view, OpenBlob(blob, kEncryptedSharesKind, params, round,
                                                    session, SealedPayloadBound(params)));
  ByteReader r(view.payload);
  EncryptedShares m;
  FEDCLOAK_RETURN_IF_ERROR(ReadSiteId(r, "recipient", params, &m.recipient));
  FEDCLOAK_RETURN_IF_ERROR(ReadSealed(r, params, m.recipient, &m.shares));
  FEDCLOAK_RETURN_IF_ERROR(r.ExpectEnd("EncryptedShares"));
  return m;
}

uint32_t MaskedInputView::At(size_t i) const {
  uint32_t v;
  std::memcpy(&v, masked.data() + 4 * i, 4);
  return v;
}

absl::StatusOr<MaskedInputView> MaskedInputView::Parse(std::span<const uint8_t> blob,
                                                       const SecAggParameters& params,
                                                       uint64_t round, const SessionId& session) {
  const uint64_t expected = 4 + 4 * params.masked_length();
  FEDCLOAK_ASSIGN_OR_RETURN(BlobView view,
                            OpenBlob(blob, kMaskedInputKind, params, round, session, expected));
  if (view.payload.size() != expected) {
    return absl::InvalidArgumentError(
        fmt::format("masked input of {} bytes, expected {} for {} values", view.payload.size(),
                    expected, params.masked_length()));
  }
  ByteReader r(view.payload);
  MaskedInputView m;
  FEDCLOAK_RETURN_IF_ERROR(ReadSiteId(r, "sender", params, &m.sender));
  m.masked = view.payload.subspan(4);
  return m;
}

std::vector<uint8_t> EncodeMaskedInput(uint32_t sender, std::span<const uint32_t> values,
                                       uint32_t last, const MessageContext& context) {
  static_assert(std::endian::native == std::endian::little, "fedcloak assumes little-endian");
  BlobHeader header;
  header.kind = kMaskedInputKind;
  header.parameter_id = context.parameter_id;
  header.round = context.round;
  header.session = context.session;
  header.payload_length = 4 + values.size_bytes() + 4;
  std::vector<uint8_t> out;
  out.reserve(kBlobHeaderSize + header.payload_length);
  AppendBlobHeader(header, &out);
  ByteWriter w(&out);
  w.PutU32(sender);
  const size_t offset = out.size();
  out.resize(offset + values.size_bytes());
  if (!values.empty()) std::memcpy(out.data() + offset, values.data(), values.size_bytes());
  w.PutU32(last);
  return out;
}

std::vector<uint8_t> EncodeMaskedInput(uint32_t sender, std::span<const uint32_t> masked,
                                       const MessageContext& context) {
  if (masked.empty()) {  // never valid (L >= 1); encodable for tests and fuzzing
    std::vector<uint8_t> payload;
    ByteWriter w(&payload);
    w.PutU32(sender);
    return Finish(kMaskedInputKind, context, payload);
  }
  return EncodeMaskedInput(sender, masked.first(masked.size() - 1), masked.back(), context);
}

std::vector<uint8_t> UnmaskingRequest::Encode(const MessageContext& context) const {
  std::vector<uint8_t> payload;
  ByteWriter w(&payload);
  for (const auto* list : {&survivors, &dropouts}) {
    w.PutU32(static_cast<uint32_t>(list->size()));
    for (uint32_t id : *list) w.PutU32(id);
  }
  return Finish(kUnmaskingRequestKind, context, payload);
}

absl::StatusOr<UnmaskingRequest> UnmaskingRequest::Parse(std::span<const uint8_t> blob,
                                                         const SecAggParameters& params,
                                                         uint64_t round, const SessionId& session) {
  FEDCLOAK_ASSIGN_OR_RETURN(BlobView view, OpenBlob(blob, kUnmaskingRequestKind, params, round,
                                                    session, 8 + 8 * uint64_t{params.num_sites()}));
  ByteReader r(view.payload);
  UnmaskingRequest m;
  FEDCLOAK_RETURN_IF_ERROR(ReadIdList(r, "survivor", params, &m.survivors));
  FEDCLOAK_RETURN_IF_ERROR(ReadIdList(r, "dropout", params, &m.dropouts));
  FEDCLOAK_RETURN_IF_ERROR(r.ExpectEnd("UnmaskingRequest"));
  return m;
}

std::vector<uint8_t> UnmaskingResponse::Encode(const MessageContext& context) const {
  std::vector<uint8_t> payload;
  ByteWriter w(&payload);
  w.PutU32(sender);
  w.PutU32(static_cast<uint32_t>(shares.size()));
  for (const RevealedShare& s : shares) {
    w.PutU32(s.owner);
    w.PutU8(static_cast<uint8_t>(s.type));
    for (uint64_t e : s.share) w.PutU64(e);
  }
  return Finish(kUnmaskingResponseKind, context, payload);
}

absl::StatusOr<UnmaskingResponse> UnmaskingResponse::Parse(std::span<const uint8_t> blob,
                                                           const SecAggParameters& params,
                                                           uint64_t round,
                                                           const SessionId& session) {
  FEDCLOAK_ASSIGN_OR_RETURN(BlobView view,
                            OpenBlob(blob, kUnmaskingResponseKind, params, round, session,
                                     8 + uint64_t{params.num_sites()} * kRevealedEntrySize));
  ByteReader r(view.payload);
  UnmaskingResponse m;
  FEDCLOAK_RETURN_IF_ERROR(ReadSiteId(r, "sender", params, &m.sender));
  uint32_t count = 0;
  FEDCLOAK_RETURN_IF_ERROR(
      ReadCount(r, "revealed share count", params.num_sites(), kRevealedEntrySize, &count));
  m.shares.resize(count);
  uint32_t previous = 0;
  for (RevealedShare& s : m.shares) {
    FEDCLOAK_RETURN_IF_ERROR(ReadSiteId(r, "share owner", params, &s.owner));
    FEDCLOAK_RETURN_IF_ERROR(CheckIncreasing("share owner", previous, s.owner));
    previous = s.owner;
    uint8_t type = 0;
    FEDCLOAK_RETURN_IF_ERROR(r.ReadU8("share type", &type));
    if (type != static_cast<uint8_t>(ShareType::kSelfMaskSeed) &&
        type != static_cast<uint8_t>(ShareType::kMaskKey)) {
      return absl::DataLossError(fmt::format("unknown share type {}", type));
    }
    s.type = static_cast<ShareType>(type);
    for (uint64_t& e : s.share) {
      FEDCLOAK_RETURN_IF_ERROR(r.ReadU64("share element", &e));
      if (e >= crypto::ShamirScheme::kMersenne61) {
        return absl::DataLossError(
            fmt::format("share element {} of owner {} is not below 2^61 - 1", e, s.owner));
      }
    }
  }
  FEDCLOAK_RETURN_IF_ERROR(r.ExpectEnd("UnmaskingResponse"));
  return m;
}

}  // namespace fedcloak::secagg
