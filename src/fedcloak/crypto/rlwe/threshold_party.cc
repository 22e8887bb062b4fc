#include "fedcloak/crypto/rlwe/threshold_party.h"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "fedcloak/base/bytes.h"
#include "fedcloak/base/check.h"
#include "fedcloak/base/prg.h"
#include "fedcloak/base/status.h"
#include "fedcloak/crypto/pairwise_channel.h"
#include "fedcloak/crypto/rlwe/bit_packing.h"
#include "fedcloak/crypto/rlwe/decryption_share.h"
#include "fedcloak/crypto/rlwe/ntt_avx512.h"
#include "fedcloak/crypto/rlwe/rlwe_kernels_avx512.h"
#include "fedcloak/crypto/rlwe/rlwe_serialization.h"
#include "fedcloak/crypto/rlwe/sampler.h"

namespace fedcloak::crypto {
namespace {

constexpr std::string_view kChannelPurpose = "fedcloak.rlwe.keygen.shamir";
constexpr size_t kDigestSize = 32;
constexpr size_t kMaxSealedSize = size_t{1} << 24;

std::array<uint8_t, kDigestSize> Digest(std::span<const uint8_t> bytes) {
  std::array<uint8_t, kDigestSize> d;
  crypto_generichash(d.data(), d.size(), bytes.data(), bytes.size(), nullptr, 0);
  return d;
}

struct Envelope {
  BlobHeader header;
  uint32_t from = 0;
  uint32_t to = 0;
  std::span<const uint8_t> sealed;
};

absl::StatusOr<Envelope> ParseEnvelope(std::span<const uint8_t> bytes) {
  FEDCLOAK_ASSIGN_OR_RETURN(BlobView view, ParseBlob(bytes));
  BlobExpectation expected;
  expected.kind = kRlweKeyShareEnvelopeKind;
  expected.round = 0;
  FEDCLOAK_RETURN_IF_ERROR(CheckBlobHeader(view.header, expected));
  Envelope e;
  e.header = view.header;
  ByteReader r(view.payload);
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU32("key share sender", &e.from));
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU32("key share recipient", &e.to));
  FEDCLOAK_RETURN_IF_ERROR(r.ReadLengthPrefixed("sealed key share", kMaxSealedSize, &e.sealed));
  FEDCLOAK_RETURN_IF_ERROR(r.ExpectEnd("key share envelope"));
  if (e.from == 0 || e.to == 0 || e.from == e.to) {
    return absl::InvalidArgumentError(
        fmt::format("key share envelope from {} to {} is invalid", e.from, e.to));
  }
  return e;
}

}  // namespace

absl::StatusOr<KeyShareRouting> ReadKeyShareRouting(std::span<const uint8_t> envelope) {
  FEDCLOAK_ASSIGN_OR_RETURN(Envelope e, ParseEnvelope(envelope));
  return KeyShareRouting{e.from, e.to};
}

ThresholdHeParty::ThresholdHeParty(std::shared_ptr<const RlweContext> ctx,
                                   const ThresholdConfig& config, uint32_t party_id,
                                   X25519KeyPair identity,
                                   std::vector<X25519PublicKey> party_public_keys,
                                   std::vector<ShamirScheme> schemes)
    : ctx_(std::move(ctx)),
      config_(config),
      party_id_(party_id),
      identity_(std::move(identity)),
      party_public_keys_(std::move(party_public_keys)),
      schemes_(std::move(schemes)) {}

absl::StatusOr<ThresholdHeParty> ThresholdHeParty::Create(
    std::shared_ptr<const RlweContext> ctx, const ThresholdConfig& config, uint32_t party_id,
    X25519KeyPair identity, std::vector<X25519PublicKey> party_public_keys) {
  const uint32_t max_sites = ctx->parameters().max_sites();
  if (config.threshold < 2 || config.threshold > config.num_parties ||
      config.num_parties > max_sites) {
    return absl::InvalidArgumentError(
        fmt::format("threshold {} of {} parties is invalid (need 2 <= t <= n <= {})",
                    config.threshold, config.num_parties, max_sites));
  }
  if (party_id == 0 || party_id > config.num_parties) {
    return absl::InvalidArgumentError(
        fmt::format("party id {} is outside [1, {}]", party_id, config.num_parties));
  }
  if (party_public_keys.size() != config.num_parties) {
    return absl::InvalidArgumentError(fmt::format("{} public keys given for {} parties",
                                                  party_public_keys.size(), config.num_parties));
  }
  if (party_public_keys[party_id - 1] != identity.public_key()) {
    return absl::InvalidArgumentError(
        fmt::format("public key listed for party {} is not this party's key", party_id));
  }
  std::vector<ShamirScheme> schemes;
  for (uint64_t prime : ctx->parameters().primes()) {
    FEDCLOAK_ASSIGN_OR_RETURN(ShamirScheme scheme,
                              ShamirScheme::Create(config.threshold, config.num_parties, prime));
    schemes.push_back(scheme);
  }
  return ThresholdHeParty(std::move(ctx), config, party_id, std::move(identity),
                          std::move(party_public_keys), std::move(schemes));
}

absl::StatusOr<ThresholdHeParty::KeyGenMessage> ThresholdHeParty::StartKeyGeneration(
    SecureRandom& rng) {
  if (started_) return absl::FailedPreconditionError("key generation already started");
  const RlweContext& ctx = *ctx_;
  const size_t n = ctx.n();
  const size_t words = ctx.poly_words();
  SecretBytes seed(Prg::kSeedSize);
  rng.Fill(seed.span());
  Prg prg(std::span<const uint8_t, Prg::kSeedSize>(seed.data(), Prg::kSeedSize),
          "fedcloak.rlwe.keygen");
  SecretVector<int64_t> scratch(n);
  secret_ = SecretVector<uint64_t>(words);
  SampleTernaryRns(ctx, prg, scratch.span(), secret_.data());
  // p_i = -a * s_i + e_i in NTT form.
  SecretVector<uint64_t> s_ntt = secret_.Clone();
  ctx.ForwardNtt(s_ntt.data());
  std::vector<uint64_t> p(words);
  SecretVector<uint64_t> e(words);
  SampleCenteredBinomialRns(ctx, prg, scratch.span(), e.data());
  ctx.ForwardNtt(e.data());
  const std::vector<uint64_t> a = ctx.CommonPolynomial(config_.session);
  for (size_t i = 0; i < ctx.num_primes(); ++i) {
    const Modulus& q = ctx.modulus(i);
    for (size_t j = i * n; j < (i + 1) * n; ++j) {
      p[j] = q.Sub(e[j], q.Mul(a[j], s_ntt[j]));
    }
  }
  KeyGenMessage message;
  message.public_key_share =
      PublicKeyShare::FromPolynomial(ctx_, config_.session, party_id_, std::move(p)).Serialize();
  own_public_key_share_ = message.public_key_share;
  const auto digest = Digest(message.public_key_share);

  // Shamir shares of every coefficient of s_i, per prime: shares[i][j - 1] for party j.
  std::vector<std::vector<SecretVector<uint64_t>>> shares;
  for (size_t i = 0; i < ctx.num_primes(); ++i) {
    FEDCLOAK_ASSIGN_OR_RETURN(
        auto limb_shares,
        schemes_[i].Share(std::span<const uint64_t>(secret_.data() + i * n, n), rng));
    shares.push_back(std::move(limb_shares));
  }
  own_share_ = SecretVector<uint64_t>(words);
  for (size_t i = 0; i < ctx.num_primes(); ++i) {
    std::copy(shares[i][party_id_ - 1].begin(), shares[i][party_id_ - 1].end(),
              own_share_.data() + i * n);
  }
  for (uint32_t peer = 1; peer <= config_.num_parties; ++peer) {
    if (peer == party_id_) continue;
    SecretBytes plaintext(kDigestSize + internal::PackedPolySize(ctx));
    std::memcpy(plaintext.data(), digest.data(), kDigestSize);
    size_t offset = kDigestSize;
    for (size_t i = 0; i < ctx.num_primes(); ++i) {
      const int width = ctx.modulus(i).bits();
      PackBits(shares[i][peer - 1].span(), width, plaintext.data() + offset);
      offset += PackedSize(n, width);
    }
    FEDCLOAK_ASSIGN_OR_RETURN(
        PairwiseChannel channel,
        PairwiseChannel::Create(identity_, party_public_keys_[peer - 1], config_.session, party_id_,
                                peer, kChannelPurpose));
    const std::vector<uint8_t> sealed = channel.Seal(plaintext.span(), rng);
    std::vector<uint8_t> payload;
    ByteWriter w(&payload);
    w.PutU32(party_id_);
    w.PutU32(peer);
    w.PutLengthPrefixed(sealed);
    BlobHeader header;
    header.kind = kRlweKeyShareEnvelopeKind;
    header.parameter_id = ctx.parameter_id();
    header.session = config_.session;
    message.envelopes.push_back(EncodeBlob(header, payload));
  }
  started_ = true;
  return message;
}

absl::Status ThresholdHeParty::FinishKeyGeneration(
    std::span<const std::vector<uint8_t>> public_key_shares,
    std::span<const std::vector<uint8_t>> envelopes_to_me) {
  if (!started_ || ready()) {
    return absl::FailedPreconditionError(ready() ? "key generation already finished"
                                                 : "key generation not started");
  }
  const RlweContext& ctx = *ctx_;
  const size_t n = ctx.n();
  const uint32_t parties = config_.num_parties;
  if (public_key_shares.size() != parties || envelopes_to_me.size() != parties - 1) {
    return absl::InvalidArgumentError(
        fmt::format("{} public key shares and {} envelopes given; expected {} and {}",
                    public_key_shares.size(), envelopes_to_me.size(), parties, parties - 1));
  }
  std::vector<PublicKeyShare> loaded;
  std::vector<std::array<uint8_t, kDigestSize>> digests(parties + 1);
  std::vector<bool> seen(parties + 1, false);
  for (const std::vector<uint8_t>& bytes : public_key_shares) {
    FEDCLOAK_ASSIGN_OR_RETURN(PublicKeyShare share,
                              PublicKeyShare::Load(ctx_, bytes, config_.session));
    const uint32_t id = share.party_id();
    if (id > parties || seen[id]) {
      return absl::InvalidArgumentError(
          fmt::format("public key share of party {} is repeated or outside [1, {}]", id, parties));
    }
    if (id == party_id_ && bytes != own_public_key_share_) {
      return absl::InvalidArgumentError(
          fmt::format("public key share relayed for party {} (this party) was altered", id));
    }
    seen[id] = true;
    digests[id] = Digest(bytes);
    loaded.push_back(std::move(share));
  }
  SecretVector<uint64_t> key_share = own_share_.Clone();
  std::fill(seen.begin(), seen.end(), false);
  SecretVector<uint64_t> received(ctx.poly_words());
  for (const std::vector<uint8_t>& bytes : envelopes_to_me) {
    FEDCLOAK_ASSIGN_OR_RETURN(Envelope e, ParseEnvelope(bytes));
    if (e.header.parameter_id != ctx.parameter_id() || !(e.header.session == config_.session)) {
      return absl::InvalidArgumentError(fmt::format(
          "key share envelope from party {} belongs to another session or parameter set", e.from));
    }
    if (e.to != party_id_ || e.from > parties || seen[e.from]) {
      return absl::InvalidArgumentError(fmt::format(
          "key share envelope from {} to {} is misaddressed or repeated", e.from, e.to));
    }
    seen[e.from] = true;
    FEDCLOAK_ASSIGN_OR_RETURN(
        PairwiseChannel channel,
        PairwiseChannel::Create(identity_, party_public_keys_[e.from - 1], config_.session,
                                party_id_, e.from, kChannelPurpose));
    FEDCLOAK_ASSIGN_OR_RETURN(SecretBytes plaintext, channel.Open(e.sealed));
    if (plaintext.size() != kDigestSize + internal::PackedPolySize(ctx)) {
      return absl::DataLossError(
          fmt::format("key share from party {} has {} bytes", e.from, plaintext.size()));
    }
    if (std::memcmp(plaintext.data(), digests[e.from].data(), kDigestSize) != 0) {
      return absl::InvalidArgumentError(
          fmt::format("public key share of party {} differs from the one it committed to", e.from));
    }
    size_t offset = kDigestSize;
    for (size_t i = 0; i < ctx.num_primes(); ++i) {
      const int width = ctx.modulus(i).bits();
      const size_t size = PackedSize(n, width);
      FEDCLOAK_RETURN_IF_ERROR(UnpackBits(std::span<const uint8_t>(plaintext.data() + offset, size),
                                          width, ctx.modulus(i).value() - 1,
                                          std::span<uint64_t>(received.data() + i * n, n),
                                          "key share"));
      offset += size;
      const Modulus& q = ctx.modulus(i);
      for (size_t j = i * n; j < (i + 1) * n; ++j) key_share[j] = q.Add(key_share[j], received[j]);
    }
  }
  FEDCLOAK_ASSIGN_OR_RETURN(CollectivePublicKey key,
                            CollectivePublicKey::Aggregate(ctx_, config_.session, parties, loaded));
  ctx.ForwardNtt(key_share.data());
  key_share_ntt_ = std::move(key_share);
  collective_key_.emplace(std::move(key));
  secret_ = SecretVector<uint64_t>();
  own_share_ = SecretVector<uint64_t>();
  return absl::OkStatus();
}

const CollectivePublicKey& ThresholdHeParty::collective_key() const {
  FEDCLOAK_CHECK(ready(), "collective key requested before key generation finished");
  return *collective_key_;
}

absl::StatusOr<CiphertextVector> ThresholdHeParty::Encrypt(std::span<const uint32_t> values,
                                                           uint64_t round,
                                                           SecureRandom& rng) const {
  if (!ready()) return absl::FailedPreconditionError("key generation has not finished");
  return CiphertextVector::Encrypt(*collective_key_, values, round, rng);
}

absl::StatusOr<std::vector<uint8_t>> ThresholdHeParty::DecryptShare(
    const CiphertextVector& aggregate, std::span<const uint32_t> active_set, SecureRandom& rng) {
  std::vector<uint8_t> blob;
  FEDCLOAK_RETURN_IF_ERROR(DecryptShareInto(aggregate, active_set, rng, &blob));
  return blob;
}

absl::Status ThresholdHeParty::DecryptShareInto(const CiphertextVector& aggregate,
                                                std::span<const uint32_t> active_set,
                                                SecureRandom& rng, std::vector<uint8_t>* out) {
  if (!ready()) return absl::FailedPreconditionError("key generation has not finished");
  if (aggregate.empty() || aggregate.parameter_id() != ctx_->parameter_id() ||
      !(aggregate.session() == config_.session)) {
    return absl::InvalidArgumentError(
        "aggregate belongs to another parameter set or session than this party's key");
  }
  FEDCLOAK_RETURN_IF_ERROR(
      internal::CheckActiveSet(active_set, config_.num_parties, config_.threshold));
  if (!std::binary_search(active_set.begin(), active_set.end(), party_id_)) {
    return absl::InvalidArgumentError(fmt::format("party {} is not in the active set", party_id_));
  }
  const uint64_t round = aggregate.round();
  const std::vector<uint32_t> set(active_set.begin(), active_set.end());
  if (auto it = answered_.find(round); it != answered_.end()) {
    if (it->second != set) {
      return absl::FailedPreconditionError(fmt::format(
          "party {} already answered round {} for another active set of {} parties; a second "
          "set would leak key material",
          party_id_, round, it->second.size()));
    }
    if (cached_round_ == round && !cached_share_.empty()) {
      *out = cached_share_;
      return absl::OkStatus();
    }
    return absl::FailedPreconditionError(fmt::format(
        "party {} already answered round {}; the share is no longer cached", party_id_, round));
  }
  const RlweContext& ctx = *ctx_;
  const size_t n = ctx.n();
  const size_t words = ctx.poly_words();
  // lambda * S(j) per prime, with Shoup factors computed without division.
  SecretVector<uint64_t> scaled(words), scaled_shoup(words);
  for (size_t i = 0; i < ctx.num_primes(); ++i) {
    FEDCLOAK_ASSIGN_OR_RETURN(const uint64_t lambda,
                              schemes_[i].LagrangeAtZero(party_id_, active_set));
    const Modulus& q = ctx.modulus(i);
    for (size_t j = i * n; j < (i + 1) * n; ++j) {
      scaled[j] = q.Mul(lambda, key_share_ntt_[j]);
      scaled_shoup[j] = q.ShoupFactor(scaled[j]);
    }
  }
  SecretBytes seed(Prg::kSeedSize);
  rng.Fill(seed.span());
  Prg prg(std::span<const uint8_t, Prg::kSeedSize>(seed.data(), Prg::kSeedSize),
          "fedcloak.rlwe.flooding");
  const int flooding_bits = ctx.parameters().noise().flooding_bits;
  SecretVector<uint64_t> product(words);
  SecretVector<int64_t> flooding(n);
  std::vector<uint64_t> fixed(n);
  // Fixed-point values and the blob are written into buffers owned by the party, whose
  // capacity survives across rounds (no fresh pages for each 8 MB share).
  std::vector<uint64_t>& values = fixed_values_;
  values.resize(aggregate.num_values());
  const bool vectorized = n % 8 == 0 && internal::Avx512Supported();
  for (size_t k = 0; k < aggregate.num_ciphertexts(); ++k) {
    const uint64_t* c1 = aggregate.c1(k);
    for (size_t i = 0; i < ctx.num_primes(); ++i) {
      const uint64_t prime = ctx.modulus(i).value();
      if (vectorized) {
        internal::MulShoupLazyAvx512(c1 + i * n, scaled.data() + i * n, scaled_shoup.data() + i * n,
                                     prime, n, product.data() + i * n);
      } else {
        for (size_t j = i * n; j < (i + 1) * n; ++j) {
          product[j] = MulShoupLazy(c1[j], scaled[j], scaled_shoup[j], prime);
        }
      }
      ctx.ntt(i).Inverse(product.data() + i * n);
    }
    SampleFlooding(prg, flooding_bits, flooding.span());
    AddWideToRns(ctx, flooding.span(), product.data());
    const size_t begin = k * n;
    const size_t count = std::min<size_t>(n, aggregate.num_values() - begin);
    if (count == n) {
      ctx.ToFixedPoint(product.data(), values.data() + begin);
      continue;
    }
    ctx.ToFixedPoint(product.data(), fixed.data());
    std::copy(fixed.begin(), fixed.begin() + static_cast<ptrdiff_t>(count),
              values.begin() + static_cast<ptrdiff_t>(begin));
  }
  DecryptionShare::SerializeValues(ctx, ctx.parameter_id(), config_.session, round, party_id_, set,
                                   values, &cached_share_);
  answered_[round] = set;
  cached_round_ = round;
  *out = cached_share_;  // copy assignment reuses the capacity of a warm `out`
  return absl::OkStatus();
}

}  // namespace fedcloak::crypto
