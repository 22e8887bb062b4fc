// Public-key objects of the multiparty RLWE scheme (Mouchet et al., PoPETs 2021).
//
// PublicKeyShare: party i's p_i = -a * s_i + e_i (NTT form) for the session's common
// polynomial a. CollectivePublicKey: (sum_i p_i, a), the key every site encrypts under;
// its secret s = sum_i s_i never exists anywhere. Both are public, copyable and
// immutable (thread-safe), and carry the parameter id and session id they belong to.
#ifndef FEDCLOAK_CRYPTO_RLWE_PUBLIC_KEY_H_
#define FEDCLOAK_CRYPTO_RLWE_PUBLIC_KEY_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/base/blob.h"
#include "fedcloak/crypto/rlwe/rlwe_context.h"

namespace fedcloak::crypto {

class PublicKeyShare {
 public:
  // Wraps p_i (NTT form, reduced). Used by ThresholdHeParty.
  static PublicKeyShare FromPolynomial(std::shared_ptr<const RlweContext> ctx,
                                       const SessionId& session, uint32_t party_id,
                                       std::vector<uint64_t> p);

  // Blob kind 0x0111. InvalidArgument for a wrong kind, parameter id or session;
  // DataLoss for a malformed payload; InvalidArgument for party id 0.
  static absl::StatusOr<PublicKeyShare> Load(std::shared_ptr<const RlweContext> ctx,
                                             std::span<const uint8_t> bytes,
                                             const SessionId& session);
  std::vector<uint8_t> Serialize() const;

  uint32_t party_id() const { return party_id_; }
  const SessionId& session() const { return session_; }
  const std::vector<uint64_t>& polynomial() const { return p_; }
  uint64_t parameter_id() const { return ctx_->parameter_id(); }

 private:
  PublicKeyShare(std::shared_ptr<const RlweContext> ctx, const SessionId& session,
                 uint32_t party_id, std::vector<uint64_t> p)
      : ctx_(std::move(ctx)), session_(session), party_id_(party_id), p_(std::move(p)) {}

  std::shared_ptr<const RlweContext> ctx_;
  SessionId session_;
  uint32_t party_id_;
  std::vector<uint64_t> p_;
};

class CollectivePublicKey {
 public:
  // Sums the shares of parties 1..num_parties (each exactly once, any order).
  // InvalidArgument if a share belongs to another session or parameter set, a party id
  // is outside [1, num_parties] or repeated, or the count differs from num_parties.
  static absl::StatusOr<CollectivePublicKey> Aggregate(std::shared_ptr<const RlweContext> ctx,
                                                       const SessionId& session,
                                                       uint32_t num_parties,
                                                       std::span<const PublicKeyShare> shares);

  // Blob kind 0x0112. Errors as PublicKeyShare::Load.
  static absl::StatusOr<CollectivePublicKey> Load(std::shared_ptr<const RlweContext> ctx,
                                                  std::span<const uint8_t> bytes,
                                                  const SessionId& session);
  std::vector<uint8_t> Serialize() const;

  const RlweContext& context() const { return *ctx_; }
  const std::shared_ptr<const RlweContext>& shared_context() const { return ctx_; }
  const SessionId& session() const { return session_; }
  uint32_t num_parties() const { return num_parties_; }
  // NTT forms of the key polynomials and their Shoup factors (for encryption).
  const std::vector<uint64_t>& p() const { return p_; }
  const std::vector<uint64_t>& p_shoup() const { return p_shoup_; }
  const std::vector<uint64_t>& a() const { return a_; }
  const std::vector<uint64_t>& a_shoup() const { return a_shoup_; }

 private:
  CollectivePublicKey(std::shared_ptr<const RlweContext> ctx, const SessionId& session,
                      uint32_t num_parties, std::vector<uint64_t> p);

  std::shared_ptr<const RlweContext> ctx_;
  SessionId session_;
  uint32_t num_parties_;
  std::vector<uint64_t> p_, p_shoup_, a_, a_shoup_;
};

}  // namespace fedcloak::crypto

#endif  // FEDCLOAK_CRYPTO_RLWE_PUBLIC_KEY_H_
