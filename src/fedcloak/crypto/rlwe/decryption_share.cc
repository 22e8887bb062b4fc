#include "fedcloak/crypto/rlwe/decryption_share.h"

#include <fmt/format.h>

#include <algorithm>

#include "fedcloak/base/bytes.h"
#include "fedcloak/base/check.h"
#include "fedcloak/base/status.h"
#include "fedcloak/crypto/rlwe/bit_packing.h"
#include "fedcloak/crypto/rlwe/rlwe_serialization.h"

namespace fedcloak::crypto {

namespace internal {
absl::Status CheckActiveSet(std::span<const uint32_t> active_set, uint32_t max_id,
                            uint32_t threshold) {
  for (size_t i = 0; i < active_set.size(); ++i) {
    if (active_set[i] == 0 || active_set[i] > max_id) {
      return absl::InvalidArgumentError(
          fmt::format("active set member {} is outside [1, {}]", active_set[i], max_id));
    }
    if (i > 0 && active_set[i] <= active_set[i - 1]) {
      return absl::InvalidArgumentError(
          fmt::format("active set is not sorted and distinct at member {}", active_set[i]));
    }
  }
  if (active_set.size() < threshold) {
    return absl::FailedPreconditionError(fmt::format(
        "active set of {} parties is below the threshold {}", active_set.size(), threshold));
  }
  return absl::OkStatus();
}
}  // namespace internal

DecryptionShare DecryptionShare::FromValues(uint64_t parameter_id, const SessionId& session,
                                            uint64_t round, uint32_t party_id,
                                            std::vector<uint32_t> active_set,
                                            std::vector<uint64_t> values) {
  DecryptionShare share;
  share.parameter_id_ = parameter_id;
  share.session_ = session;
  share.round_ = round;
  share.party_id_ = party_id;
  share.active_set_ = std::move(active_set);
  share.values_ = std::move(values);
  return share;
}

std::vector<uint8_t> DecryptionShare::Serialize(const RlweContext& ctx) const {
  std::vector<uint8_t> out;
  SerializeValues(ctx, parameter_id_, session_, round_, party_id_, active_set_, values_, &out);
  return out;
}

void DecryptionShare::SerializeValues(const RlweContext& ctx, uint64_t parameter_id,
                                      const SessionId& session, uint64_t round, uint32_t party_id,
                                      std::span<const uint32_t> active_set,
                                      std::span<const uint64_t> values, std::vector<uint8_t>* out) {
  const size_t packed = PackedSize(values.size(), ctx.fixed_point_bits());
  BlobHeader header;
  header.kind = kRlweDecryptionShareKind;
  header.parameter_id = parameter_id;
  header.round = round;
  header.session = session;
  header.payload_length = 4 + 4 + 4 * active_set.size() + 8 + packed;
  out->clear();
  out->reserve(kBlobHeaderSize + header.payload_length);
  AppendBlobHeader(header, out);
  ByteWriter w(out);
  w.PutU32(party_id);
  w.PutU32(static_cast<uint32_t>(active_set.size()));
  for (uint32_t id : active_set) w.PutU32(id);
  w.PutU64(values.size());
  AppendPackedBits(values, ctx.fixed_point_bits(), out);
  FEDCLOAK_CHECK(out->size() == kBlobHeaderSize + header.payload_length);
}

absl::StatusOr<DecryptionShare> DecryptionShare::Load(const RlweContext& ctx,
                                                      std::span<const uint8_t> bytes,
                                                      const SessionId& session, uint64_t round) {
  FEDCLOAK_ASSIGN_OR_RETURN(BlobView view, ParseBlob(bytes));
  BlobExpectation expected;
  expected.kind = kRlweDecryptionShareKind;
  expected.parameter_id = ctx.parameter_id();
  expected.session = session;
  expected.round = round;
  FEDCLOAK_RETURN_IF_ERROR(CheckBlobHeader(view.header, expected));
  ByteReader r(view.payload);
  DecryptionShare share;
  share.parameter_id_ = ctx.parameter_id();
  share.session_ = session;
  share.round_ = round;
  uint32_t set_size = 0;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU32("decryption share party id", &share.party_id_));
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU32("decryption share active set size", &set_size));
  const uint32_t max_sites = ctx.parameters().max_sites();
  if (set_size == 0 || set_size > max_sites) {
    return absl::InvalidArgumentError(
        fmt::format("active set of {} parties (1 to {} allowed)", set_size, max_sites));
  }
  share.active_set_.resize(set_size);
  for (uint32_t& id : share.active_set_) {
    FEDCLOAK_RETURN_IF_ERROR(r.ReadU32("decryption share active set member", &id));
  }
  FEDCLOAK_RETURN_IF_ERROR(internal::CheckActiveSet(share.active_set_, max_sites, 1));
  if (!std::binary_search(share.active_set_.begin(), share.active_set_.end(), share.party_id_)) {
    return absl::InvalidArgumentError(
        fmt::format("decryption share of party {} is not in its own active set", share.party_id_));
  }
  uint64_t count = 0;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU64("decryption share value count", &count));
  if (count == 0 || count > CiphertextVector::kMaxValues) {
    return absl::InvalidArgumentError(fmt::format("decryption share of {} values", count));
  }
  const int width = ctx.fixed_point_bits();
  if (r.remaining() != PackedSize(count, width)) {
    return absl::DataLossError(
        fmt::format("decryption share of {} values has {} bytes, expected {}", count, r.remaining(),
                    PackedSize(count, width)));
  }
  std::span<const uint8_t> packed;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadBytes("decryption share values", r.remaining(), &packed));
  share.values_.resize(count);
  FEDCLOAK_RETURN_IF_ERROR(
      UnpackBits(packed, width, ctx.fixed_point_mask(), share.values_, "decryption share values"));
  return share;
}

absl::StatusOr<std::vector<uint32_t>> CombineDecryptionShares(
    const CiphertextVector& aggregate, std::span<const DecryptionShare> shares,
    uint32_t threshold) {
  std::vector<uint32_t> plaintext;
  FEDCLOAK_RETURN_IF_ERROR(CombineDecryptionSharesInto(aggregate, shares, threshold, &plaintext));
  return plaintext;
}

absl::Status CombineDecryptionSharesInto(const CiphertextVector& aggregate,
                                         std::span<const DecryptionShare> shares,
                                         uint32_t threshold, std::vector<uint32_t>* out) {
  if (aggregate.empty()) return absl::InvalidArgumentError("empty aggregate");
  if (threshold == 0 || shares.size() < threshold) {
    return absl::FailedPreconditionError(
        fmt::format("{} decryption shares given; the threshold is {}", shares.size(), threshold));
  }
  const RlweContext& ctx = aggregate.context();
  const std::vector<uint32_t>& set = shares[0].active_set();
  if (set.size() != shares.size()) {
    return absl::InvalidArgumentError(
        fmt::format("{} shares given for an active set of {} parties", shares.size(), set.size()));
  }
  std::vector<bool> seen(set.size(), false);
  for (const DecryptionShare& share : shares) {
    if (share.parameter_id() != aggregate.parameter_id() ||
        !(share.session() == aggregate.session()) || share.round() != aggregate.round()) {
      return absl::InvalidArgumentError(fmt::format(
          "decryption share of party {} belongs to another parameter set, session or round",
          share.party_id()));
    }
    if (share.active_set() != set) {
      return absl::InvalidArgumentError(fmt::format(
          "decryption share of party {} was made for another active set", share.party_id()));
    }
    if (share.values().size() != aggregate.num_values()) {
      return absl::InvalidArgumentError(
          fmt::format("decryption share of party {} has {} values, the aggregate {}",
                      share.party_id(), share.values().size(), aggregate.num_values()));
    }
    const auto it = std::lower_bound(set.begin(), set.end(), share.party_id());
    if (it == set.end() || *it != share.party_id() || seen[size_t(it - set.begin())]) {
      return absl::InvalidArgumentError(fmt::format(
          "decryption share of party {} is repeated or not in the active set", share.party_id()));
    }
    seen[size_t(it - set.begin())] = true;
  }
  const size_t n = ctx.n();
  const uint64_t mask = ctx.fixed_point_mask();
  std::vector<uint64_t> fixed(n);
  std::vector<uint32_t>& plaintext = *out;
  plaintext.resize(aggregate.num_values());
  for (size_t k = 0; k < aggregate.num_ciphertexts(); ++k) {
    ctx.ToFixedPoint(aggregate.c0(k), fixed.data());
    const size_t begin = k * n;
    const size_t count = std::min<size_t>(n, aggregate.num_values() - begin);
    for (const DecryptionShare& share : shares) {
      const uint64_t* z = share.values().data() + begin;
      for (size_t j = 0; j < count; ++j) fixed[j] += z[j];
    }
    for (size_t j = 0; j < count; ++j) plaintext[begin + j] = ctx.DecodeFixedPoint(fixed[j] & mask);
  }
  return absl::OkStatus();
}

}  // namespace fedcloak::crypto
