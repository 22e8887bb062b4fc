#include "fedcloak/fl/secure_messages.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstring>
#include <optional>

#include "fedcloak/base/bytes.h"
#include "fedcloak/base/status.h"
#include "fedcloak/fl/message_codec.h"

namespace fedcloak::fl {
namespace {

using internal::OpenMessage;
using internal::ReadArray;
using internal::SealMessage;

constexpr uint32_t kMaxSecAggSites = 100000;

}  // namespace

std::vector<uint8_t> EncodeEnrollment(const Enrollment& e, const SessionId& session) {
  // Starting from the first key (rather than reserve + append) keeps GCC 12's
  // -Wstringop-overflow from a false positive here.
  std::vector<uint8_t> p(e.identity_key.begin(), e.identity_key.end());
  ByteWriter w(&p);
  w.PutBytes(e.transport_key);
  w.PutLengthPrefixed(e.attestation);
  return SealMessage(kEnrollmentKind, session, 0, p);
}

absl::StatusOr<Enrollment> DecodeEnrollment(std::span<const uint8_t> blob,
                                            const SessionId& session) {
  FEDCLOAK_ASSIGN_OR_RETURN(ByteReader r, OpenMessage(blob, kEnrollmentKind, session, 0));
  Enrollment e;
  FEDCLOAK_RETURN_IF_ERROR(ReadArray(r, "identity key", &e.identity_key));
  FEDCLOAK_RETURN_IF_ERROR(ReadArray(r, "transport key", &e.transport_key));
  std::span<const uint8_t> attestation;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadLengthPrefixed("attestation", kMaxAttestationBytes, &attestation));
  e.attestation.assign(attestation.begin(), attestation.end());
  FEDCLOAK_RETURN_IF_ERROR(r.ExpectEnd("enrollment"));
  return e;
}

std::vector<uint8_t> EnrollmentStatement(const SessionId& session, std::string_view site,
                                         const Enrollment& e) {
  std::vector<uint8_t> out;
  ByteWriter w(&out);
  w.PutString("fedcloak.fl.enrollment.v1");
  w.PutBytes(session.bytes);
  w.PutString(site);
  w.PutBytes(e.identity_key);
  w.PutBytes(e.transport_key);
  return out;
}

namespace {

// Credentials section of the setup messages: u32 count (0 or `parties`), then per party
// name, identity key, transport key and attestation.
void PutCredentials(ByteWriter& w, const std::vector<PartyCredential>& credentials) {
  w.PutU32(static_cast<uint32_t>(credentials.size()));
  for (const PartyCredential& c : credentials) {
    w.PutString(c.name);
    w.PutBytes(c.enrollment.identity_key);
    w.PutBytes(c.enrollment.transport_key);
    w.PutLengthPrefixed(c.enrollment.attestation);
  }
}

absl::Status ReadCredentials(ByteReader& r, uint32_t parties,
                             std::vector<PartyCredential>* credentials) {
  uint32_t count = 0;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU32("credential count", &count));
  if (count != 0 && count != parties) {
    return absl::DataLossError(
        fmt::format("{} credentials for {} parties (must be 0 or one each)", count, parties));
  }
  // Each credential takes at least 4 + 32 + 32 + 4 bytes: bound the count before
  // allocating.
  if (uint64_t{count} * 72 > r.remaining()) {
    return absl::DataLossError(
        fmt::format("{} credentials cannot fit in {} bytes", count, r.remaining()));
  }
  credentials->resize(count);
  for (PartyCredential& c : *credentials) {
    FEDCLOAK_RETURN_IF_ERROR(r.ReadString("site name", kMaxSiteNameBytes, &c.name));
    FEDCLOAK_RETURN_IF_ERROR(ReadArray(r, "identity key", &c.enrollment.identity_key));
    FEDCLOAK_RETURN_IF_ERROR(ReadArray(r, "transport key", &c.enrollment.transport_key));
    std::span<const uint8_t> attestation;
    FEDCLOAK_RETURN_IF_ERROR(
        r.ReadLengthPrefixed("attestation", kMaxAttestationBytes, &attestation));
    c.enrollment.attestation.assign(attestation.begin(), attestation.end());
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<uint8_t> EncodeSecAggSetup(const SecAggSetup& s, const SessionId& session,
                                       uint64_t round) {
  std::vector<uint8_t> p;
  ByteWriter w(&p);
  w.PutU32(s.num_sites);
  w.PutU32(s.neighbours);
  w.PutU32(s.threshold);
  w.PutU64(s.vector_length);
  w.PutU32(s.site_id);
  for (const auto& k : s.identity_keys) w.PutBytes(k);
  PutCredentials(w, s.credentials);
  return SealMessage(kSecAggSetupKind, session, round, p);
}

absl::StatusOr<SecAggSetup> DecodeSecAggSetup(std::span<const uint8_t> blob,
                                              const SessionId& session, uint64_t round) {
  FEDCLOAK_ASSIGN_OR_RETURN(ByteReader r, OpenMessage(blob, kSecAggSetupKind, session, round));
  SecAggSetup s;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU32("site count", &s.num_sites));
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU32("neighbours", &s.neighbours));
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU32("threshold", &s.threshold));
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU64("vector length", &s.vector_length));
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU32("site id", &s.site_id));
  if (s.num_sites == 0 || s.num_sites > kMaxSecAggSites) {
    return absl::InvalidArgumentError(
        fmt::format("site count {} is outside [1, {}]", s.num_sites, kMaxSecAggSites));
  }
  if (r.remaining() < uint64_t{s.num_sites} * 32 + 4) {
    return absl::DataLossError(
        fmt::format("setup names {} sites but carries {} bytes", s.num_sites, r.remaining()));
  }
  s.identity_keys.resize(s.num_sites);
  for (auto& k : s.identity_keys) FEDCLOAK_RETURN_IF_ERROR(ReadArray(r, "identity key", &k));
  FEDCLOAK_RETURN_IF_ERROR(ReadCredentials(r, s.num_sites, &s.credentials));
  FEDCLOAK_RETURN_IF_ERROR(r.ExpectEnd("SecAgg+ setup"));
  return s;
}

std::vector<uint8_t> EncodeTrainReport(double train_loss, const SessionId& session,
                                       uint64_t round) {
  std::vector<uint8_t> p;
  ByteWriter w(&p);
  internal::PutDouble(w, train_loss);
  return SealMessage(kTrainReportKind, session, round, p);
}

absl::StatusOr<double> DecodeTrainReport(std::span<const uint8_t> blob, const SessionId& session,
                                         uint64_t round) {
  FEDCLOAK_ASSIGN_OR_RETURN(ByteReader r, OpenMessage(blob, kTrainReportKind, session, round));
  double v = 0;
  FEDCLOAK_RETURN_IF_ERROR(internal::ReadDouble(r, "train loss", &v));
  FEDCLOAK_RETURN_IF_ERROR(r.ExpectEnd("train report"));
  return v;
}

std::vector<uint8_t> EncodeSessionStart(std::string_view description, const SessionId& session) {
  std::vector<uint8_t> p;
  ByteWriter w(&p);
  w.PutString(description);
  return SealMessage(kSessionStartKind, session, 0, p);
}

absl::StatusOr<std::pair<SessionId, std::string>> DecodeSessionStart(
    std::span<const uint8_t> blob) {
  FEDCLOAK_ASSIGN_OR_RETURN(BlobView view, ParseBlob(blob));
  BlobExpectation e;
  e.kind = kSessionStartKind;
  e.round = 0;
  FEDCLOAK_RETURN_IF_ERROR(CheckBlobHeader(view.header, e));
  ByteReader r(view.payload);
  std::string description;
  FEDCLOAK_RETURN_IF_ERROR(
      r.ReadString("session description", kMaxSessionDescription, &description));
  FEDCLOAK_RETURN_IF_ERROR(r.ExpectEnd("session start"));
  return std::make_pair(view.header.session, std::move(description));
}

std::vector<uint8_t> EncodeHeKeySetup(const HeKeySetup& s, const SessionId& session) {
  std::vector<uint8_t> p;
  ByteWriter w(&p);
  w.PutU8(s.parameter_set);
  w.PutU32(s.num_parties);
  w.PutU32(s.threshold);
  w.PutU32(s.party_id);
  for (const auto& k : s.transport_keys) w.PutBytes(k);
  PutCredentials(w, s.credentials);
  return SealMessage(kHeKeySetupKind, session, 0, p);
}

absl::StatusOr<HeKeySetup> DecodeHeKeySetup(std::span<const uint8_t> blob,
                                            const SessionId& session) {
  FEDCLOAK_ASSIGN_OR_RETURN(ByteReader r, OpenMessage(blob, kHeKeySetupKind, session, 0));
  HeKeySetup s;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU8("parameter set", &s.parameter_set));
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU32("party count", &s.num_parties));
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU32("threshold", &s.threshold));
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU32("party id", &s.party_id));
  if (s.parameter_set > 1) {
    return absl::InvalidArgumentError(
        fmt::format("HE parameter set {} is unknown", s.parameter_set));
  }
  if (s.num_parties == 0 || s.num_parties > kMaxSecAggSites ||
      r.remaining() < uint64_t{s.num_parties} * 32 + 4) {
    return absl::DataLossError(fmt::format("key setup names {} parties but carries {} bytes",
                                           s.num_parties, r.remaining()));
  }
  s.transport_keys.resize(s.num_parties);
  for (auto& k : s.transport_keys) FEDCLOAK_RETURN_IF_ERROR(ReadArray(r, "transport key", &k));
  FEDCLOAK_RETURN_IF_ERROR(ReadCredentials(r, s.num_parties, &s.credentials));
  FEDCLOAK_RETURN_IF_ERROR(r.ExpectEnd("HE key setup"));
  return s;
}

std::vector<uint8_t> EncodeActiveSet(std::span<const uint32_t> ids, const SessionId& session,
                                     uint64_t round) {
  std::vector<uint8_t> p;
  ByteWriter w(&p);
  w.PutU32(static_cast<uint32_t>(ids.size()));
  for (uint32_t id : ids) w.PutU32(id);
  return SealMessage(kActiveSetKind, session, round, p);
}

absl::StatusOr<std::vector<uint32_t>> DecodeActiveSet(std::span<const uint8_t> blob,
                                                      const SessionId& session, uint64_t round) {
  FEDCLOAK_ASSIGN_OR_RETURN(ByteReader r, OpenMessage(blob, kActiveSetKind, session, round));
  uint32_t count = 0;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU32("active set size", &count));
  if (count == 0 || count > kMaxSecAggSites || r.remaining() != uint64_t{count} * 4) {
    return absl::DataLossError(
        fmt::format("active set of {} ids in {} bytes", count, r.remaining()));
  }
  std::vector<uint32_t> ids(count);
  for (uint32_t& id : ids) FEDCLOAK_RETURN_IF_ERROR(r.ReadU32("party id", &id));
  return ids;
}

}  // namespace fedcloak::fl
