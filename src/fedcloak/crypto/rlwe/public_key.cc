#include "fedcloak/crypto/rlwe/public_key.h"

#include <fmt/format.h>

#include "fedcloak/base/bytes.h"
#include "fedcloak/base/status.h"
#include "fedcloak/crypto/rlwe/rlwe_serialization.h"

namespace fedcloak::crypto {
namespace {

absl::StatusOr<BlobView> ParseRlweBlob(const RlweContext& ctx, std::span<const uint8_t> bytes,
                                       ObjectKind kind, const SessionId& session) {
  FEDCLOAK_ASSIGN_OR_RETURN(BlobView view, ParseBlob(bytes));
  BlobExpectation expected;
  expected.kind = kind;
  expected.parameter_id = ctx.parameter_id();
  expected.session = session;
  expected.round = 0;
  FEDCLOAK_RETURN_IF_ERROR(CheckBlobHeader(view.header, expected));
  return view;
}

std::vector<uint8_t> EncodeRlweBlob(const RlweContext& ctx, ObjectKind kind,
                                    const SessionId& session, uint32_t id,
                                    const std::vector<uint64_t>& poly) {
  std::vector<uint8_t> payload;
  payload.reserve(4 + internal::PackedPolySize(ctx));
  ByteWriter w(&payload);
  w.PutU32(id);
  internal::AppendPackedPoly(ctx, poly.data(), &payload);
  BlobHeader header;
  header.kind = kind;
  header.parameter_id = ctx.parameter_id();
  header.session = session;
  return EncodeBlob(header, payload);
}

}  // namespace

PublicKeyShare PublicKeyShare::FromPolynomial(std::shared_ptr<const RlweContext> ctx,
                                              const SessionId& session, uint32_t party_id,
                                              std::vector<uint64_t> p) {
  return PublicKeyShare(std::move(ctx), session, party_id, std::move(p));
}

absl::StatusOr<PublicKeyShare> PublicKeyShare::Load(std::shared_ptr<const RlweContext> ctx,
                                                    std::span<const uint8_t> bytes,
                                                    const SessionId& session) {
  FEDCLOAK_ASSIGN_OR_RETURN(BlobView view,
                            ParseRlweBlob(*ctx, bytes, kRlwePublicKeyShareKind, session));
  ByteReader r(view.payload);
  uint32_t party_id = 0;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU32("public key share party id", &party_id));
  if (party_id == 0) return absl::InvalidArgumentError("public key share of party 0");
  std::vector<uint64_t> p(ctx->poly_words());
  FEDCLOAK_RETURN_IF_ERROR(
      internal::ReadPackedPoly(*ctx, r, "public key share polynomial", p.data()));
  FEDCLOAK_RETURN_IF_ERROR(r.ExpectEnd("public key share"));
  return PublicKeyShare(std::move(ctx), session, party_id, std::move(p));
}

std::vector<uint8_t> PublicKeyShare::Serialize() const {
  return EncodeRlweBlob(*ctx_, kRlwePublicKeyShareKind, session_, party_id_, p_);
}

CollectivePublicKey::CollectivePublicKey(std::shared_ptr<const RlweContext> ctx,
                                         const SessionId& session, uint32_t num_parties,
                                         std::vector<uint64_t> p)
    : ctx_(std::move(ctx)), session_(session), num_parties_(num_parties), p_(std::move(p)) {
  a_ = ctx_->CommonPolynomial(session_);
  p_shoup_.resize(p_.size());
  a_shoup_.resize(a_.size());
  for (size_t i = 0; i < ctx_->num_primes(); ++i) {
    const uint64_t q = ctx_->modulus(i).value();
    for (size_t j = i * ctx_->n(); j < (i + 1) * ctx_->n(); ++j) {
      p_shoup_[j] = ShoupPrecompute(p_[j], q);
      a_shoup_[j] = ShoupPrecompute(a_[j], q);
    }
  }
}

absl::StatusOr<CollectivePublicKey> CollectivePublicKey::Aggregate(
    std::shared_ptr<const RlweContext> ctx, const SessionId& session, uint32_t num_parties,
    std::span<const PublicKeyShare> shares) {
  if (shares.size() != num_parties) {
    return absl::InvalidArgumentError(
        fmt::format("{} public key shares given for {} parties", shares.size(), num_parties));
  }
  std::vector<bool> seen(num_parties + 1, false);
  std::vector<uint64_t> sum(ctx->poly_words(), 0);
  for (const PublicKeyShare& share : shares) {
    if (!(share.session() == session) || share.parameter_id() != ctx->parameter_id()) {
      return absl::InvalidArgumentError(
          fmt::format("public key share of party {} belongs to another session or parameter set",
                      share.party_id()));
    }
    if (share.party_id() == 0 || share.party_id() > num_parties || seen[share.party_id()]) {
      return absl::InvalidArgumentError(
          fmt::format("public key share of party {} is repeated or outside [1, {}]",
                      share.party_id(), num_parties));
    }
    seen[share.party_id()] = true;
    for (size_t i = 0; i < ctx->num_primes(); ++i) {
      const Modulus& q = ctx->modulus(i);
      for (size_t j = i * ctx->n(); j < (i + 1) * ctx->n(); ++j) {
        sum[j] = q.Add(sum[j], share.polynomial()[j]);
      }
    }
  }
  return CollectivePublicKey(std::move(ctx), session, num_parties, std::move(sum));
}

absl::StatusOr<CollectivePublicKey> CollectivePublicKey::Load(
    std::shared_ptr<const RlweContext> ctx, std::span<const uint8_t> bytes,
    const SessionId& session) {
  FEDCLOAK_ASSIGN_OR_RETURN(BlobView view,
                            ParseRlweBlob(*ctx, bytes, kRlweCollectivePublicKeyKind, session));
  ByteReader r(view.payload);
  uint32_t num_parties = 0;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU32("collective key party count", &num_parties));
  if (num_parties < 2 || num_parties > ctx->parameters().max_sites()) {
    return absl::InvalidArgumentError(
        fmt::format("collective key of {} parties; parameters allow 2 to {}", num_parties,
                    ctx->parameters().max_sites()));
  }
  std::vector<uint64_t> p(ctx->poly_words());
  FEDCLOAK_RETURN_IF_ERROR(
      internal::ReadPackedPoly(*ctx, r, "collective key polynomial", p.data()));
  FEDCLOAK_RETURN_IF_ERROR(r.ExpectEnd("collective public key"));
  return CollectivePublicKey(std::move(ctx), session, num_parties, std::move(p));
}

std::vector<uint8_t> CollectivePublicKey::Serialize() const {
  return EncodeRlweBlob(*ctx_, kRlweCollectivePublicKeyKind, session_, num_parties_, p_);
}

}  // namespace fedcloak::crypto
