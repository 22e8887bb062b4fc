#include "fedcloak/secagg/client.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <utility>

#include "fedcloak/base/bytes.h"
#include "fedcloak/base/status.h"
#include "fedcloak/crypto/pairwise_channel.h"
#include "fedcloak/crypto/shamir.h"
#include "fedcloak/secagg/masking.h"
#include "fmt/format.h"

namespace fedcloak::secagg {
namespace {

const char* StageName(SecAggClient::Stage stage) {
  switch (stage) {
    case SecAggClient::Stage::kAdvertise:
      return "AdvertiseKeys";
    case SecAggClient::Stage::kShareKeys:
      return "ShareKeys";
    case SecAggClient::Stage::kMaskInput:
      return "MaskInput";
    case SecAggClient::Stage::kUnmask:
      return "Unmask";
    case SecAggClient::Stage::kDone:
      return "done";
    case SecAggClient::Stage::kAborted:
      return "aborted";
  }
  return "?";
}

}  // namespace

struct SecAggClient::Keys {
  std::optional<crypto::X25519KeyPair> encryption;
  std::optional<crypto::X25519KeyPair> mask;
  secagg::AdvertiseKeys own;
  KeyDirectory directory;
  std::map<uint32_t, size_t> index;  // site id -> directory entry
  std::optional<NeighbourGraph> graph;
  SecretBytes self_mask_seed;
  // Share channels with the neighbours, kept from ShareKeys to open their boxes.
  std::map<uint32_t, crypto::PairwiseChannel> channels;
  // Shares held by this site, by owner: (mask-key share, self-mask-seed share).
  std::map<uint32_t, std::pair<SecretVector<uint64_t>, SecretVector<uint64_t>>> held;

  const secagg::AdvertiseKeys& Entry(uint32_t site) const {
    return directory.entries[index.at(site)];
  }
};

absl::StatusOr<SecAggClient> SecAggClient::Create(
    const SecAggParameters& params, uint64_t round, uint32_t site_id,
    std::vector<crypto::Ed25519PublicKey> identity_keys, SecureRandom& rng) {
  if (site_id < 1 || site_id > params.num_sites()) {
    return absl::InvalidArgumentError(
        fmt::format("site id {} outside [1, {}]", site_id, params.num_sites()));
  }
  if (identity_keys.size() != params.num_sites()) {
    return absl::InvalidArgumentError(
        fmt::format("{} identity keys for {} sites", identity_keys.size(), params.num_sites()));
  }
  return SecAggClient(params, round, site_id, std::move(identity_keys), rng);
}

SecAggClient::SecAggClient(const SecAggParameters& params, uint64_t round, uint32_t site_id,
                           std::vector<crypto::Ed25519PublicKey> identity_keys, SecureRandom& rng)
    : params_(params),
      round_(round),
      site_id_(site_id),
      identity_keys_(std::move(identity_keys)),
      rng_(&rng),
      keys_(std::make_unique<Keys>()) {}

SecAggClient::SecAggClient(SecAggClient&&) noexcept = default;
SecAggClient& SecAggClient::operator=(SecAggClient&&) noexcept = default;
SecAggClient::~SecAggClient() = default;

absl::Status SecAggClient::ExpectStage(Stage stage, std::string_view call) const {
  if (stage_ == Stage::kAborted) {
    return absl::FailedPreconditionError(fmt::format("site {}: {} after the round was aborted: {}",
                                                     site_id_, call,
                                                     std::string(abort_status_.message())));
  }
  if (stage_ != stage) {
    return absl::FailedPreconditionError(
        fmt::format("site {}: {} called in stage {} (replayed or out-of-order message)", site_id_,
                    call, StageName(stage_)));
  }
  return absl::OkStatus();
}

absl::Status SecAggClient::Abort(absl::Status status) {
  stage_ = Stage::kAborted;
  abort_status_ = status;
  keys_.reset();  // wipes every secret
  return status;
}

MessageContext SecAggClient::Context() const {
  return MessageContext{params_.parameter_id(), round_, session_};
}

absl::StatusOr<std::vector<uint8_t>> SecAggClient::AdvertiseKeys(
    const crypto::Ed25519KeyPair& identity) {
  FEDCLOAK_RETURN_IF_ERROR(ExpectStage(Stage::kAdvertise, "AdvertiseKeys"));
  if (identity.public_key() != identity_keys_[site_id_ - 1]) {
    return absl::InvalidArgumentError(
        fmt::format("site {}: identity key is not the enrolled one", site_id_));
  }
  keys_->encryption = crypto::X25519KeyPair::Generate(*rng_);
  keys_->mask = crypto::X25519KeyPair::Generate(*rng_);
  secagg::AdvertiseKeys& a = keys_->own;
  a.site = site_id_;
  a.encryption_key = keys_->encryption->public_key();
  a.mask_key = keys_->mask->public_key();
  a.signature = identity.Sign(a.SignedBytes(params_.parameter_id(), round_));
  stage_ = Stage::kShareKeys;
  return a.Encode(MessageContext{params_.parameter_id(), round_, SessionId{}});
}

absl::StatusOr<std::vector<uint8_t>> SecAggClient::ShareKeys(
    std::span<const uint8_t> key_directory) {
  FEDCLOAK_RETURN_IF_ERROR(ExpectStage(Stage::kShareKeys, "ShareKeys"));
  SessionId session;
  FEDCLOAK_ASSIGN_OR_RETURN(KeyDirectory directory,
                            KeyDirectory::Parse(key_directory, params_, round_, &session));
  if (SessionIdOf(directory, params_.parameter_id(), round_) != session) {
    return Abort(absl::InvalidArgumentError(
        fmt::format("site {}: the key directory's session id {} is not the hash of its keys",
                    site_id_, session.ShortHex())));
  }
  session_ = session;
  auto result = DoShareKeys(directory);
  if (!result.ok()) return Abort(result.status());
  keys_->directory = std::move(directory);
  stage_ = Stage::kMaskInput;
  return result;
}

absl::StatusOr<std::vector<uint8_t>> SecAggClient::DoShareKeys(const KeyDirectory& directory) {
  std::set<crypto::X25519PublicKey> seen_keys;
  std::vector<uint32_t> sites;
  for (size_t i = 0; i < directory.entries.size(); ++i) {
    const secagg::AdvertiseKeys& a = directory.entries[i];
    const absl::Status signature = crypto::Ed25519Verify(
        identity_keys_[a.site - 1], a.SignedBytes(params_.parameter_id(), round_), a.signature);
    if (!signature.ok()) {
      return absl::DataLossError(fmt::format(
          "site {}: the key directory entry of site {} is not signed by its identity key", site_id_,
          a.site));
    }
    if (!seen_keys.insert(a.encryption_key).second || !seen_keys.insert(a.mask_key).second) {
      return absl::InvalidArgumentError(fmt::format(
          "site {}: the key directory repeats a public key (site {})", site_id_, a.site));
    }
    keys_->index[a.site] = i;
    sites.push_back(a.site);
  }
  const auto own = keys_->index.find(site_id_);
  if (own == keys_->index.end() || !(directory.entries[own->second] == keys_->own)) {
    return absl::InvalidArgumentError(fmt::format(
        "site {}: the key directory lacks or alters this site's advertised keys", site_id_));
  }
  keys_->graph.emplace(sites, params_.neighbours(), params_.num_sites(), session_);
  const std::span<const uint32_t> neighbours = keys_->graph->Neighbours(site_id_);
  if (neighbours.size() + 1 < params_.threshold()) {
    return absl::FailedPreconditionError(fmt::format(
        "site {}: {} sites advertised keys, leaving {} share holders, below the threshold {}",
        site_id_, sites.size(), neighbours.size() + 1, params_.threshold()));
  }

  keys_->self_mask_seed = SecretBytes(32);
  rng_->Fill(keys_->self_mask_seed.span());
  FEDCLOAK_ASSIGN_OR_RETURN(const crypto::ShamirScheme shamir,
                            crypto::ShamirScheme::Create(params_.threshold(), params_.num_sites(),
                                                         crypto::ShamirScheme::kMersenne61));
  FEDCLOAK_ASSIGN_OR_RETURN(auto key_shares,
                            shamir.ShareBytes(keys_->mask->secret_key().span(), *rng_));
  FEDCLOAK_ASSIGN_OR_RETURN(auto seed_shares,
                            shamir.ShareBytes(keys_->self_mask_seed.span(), *rng_));

  secagg::ShareKeys message;
  message.sender = site_id_;
  for (uint32_t v : neighbours) {
    const secagg::AdvertiseKeys& peer = directory.entries[keys_->index.at(v)];
    FEDCLOAK_ASSIGN_OR_RETURN(
        crypto::PairwiseChannel channel,
        crypto::PairwiseChannel::Create(*keys_->encryption, peer.encryption_key, session_, site_id_,
                                        v, internal::kShareChannelPurpose));
    // Written by hand into zeroizing memory (ByteWriter appends to a plain vector).
    SecretBytes plaintext(kSharePlaintextSize);
    size_t o = 0;
    auto put = [&](uint64_t x, int bytes) {
      for (int i = 0; i < bytes; ++i) plaintext[o++] = static_cast<uint8_t>(x >> (8 * i));
    };
    put(site_id_, 4);
    put(v, 4);
    for (uint64_t e : key_shares[v - 1]) put(e, 8);
    for (uint64_t e : seed_shares[v - 1]) put(e, 8);
    message.shares.push_back(SealedShare{v, channel.Seal(plaintext.span(), *rng_)});
    keys_->channels.emplace(v, std::move(channel));
  }
  keys_->held.emplace(site_id_, std::make_pair(std::move(key_shares[site_id_ - 1]),
                                               std::move(seed_shares[site_id_ - 1])));
  return message.Encode(Context());
}

absl::StatusOr<std::vector<uint8_t>> SecAggClient::MaskInput(
    std::span<const uint8_t> encrypted_shares, std::span<const uint32_t> input, uint32_t weight) {
  FEDCLOAK_RETURN_IF_ERROR(ExpectStage(Stage::kMaskInput, "MaskInput"));
  if (input.size() != params_.vector_length()) {
    return absl::InvalidArgumentError(fmt::format("site {}: input of {} values, expected {}",
                                                  site_id_, input.size(), params_.vector_length()));
  }
  FEDCLOAK_ASSIGN_OR_RETURN(EncryptedShares shares,
                            EncryptedShares::Parse(encrypted_shares, params_, round_, session_));
  if (shares.recipient != site_id_) {
    return absl::InvalidArgumentError(fmt::format(
        "site {}: received the shares addressed to site {}", site_id_, shares.recipient));
  }
  auto result = DoMaskInput(shares, input, weight);
  if (!result.ok()) return Abort(result.status());
  stage_ = Stage::kUnmask;
  return result;
}

absl::StatusOr<std::vector<uint8_t>> SecAggClient::DoMaskInput(const EncryptedShares& shares,
                                                               std::span<const uint32_t> input,
                                                               uint32_t weight) {
  std::vector<uint32_t> partners;
  for (const SealedShare& s : shares.shares) {
    if (!keys_->graph->AreNeighbours(site_id_, s.peer)) {
      return absl::InvalidArgumentError(fmt::format(
          "site {}: received shares from site {}, which is not a neighbour", site_id_, s.peer));
    }
    const crypto::PairwiseChannel& channel = keys_->channels.at(s.peer);
    FEDCLOAK_ASSIGN_OR_RETURN(SecretBytes plaintext, channel.Open(s.ciphertext));
    auto get32 = [&](size_t o) {
      uint32_t x = 0;
      for (size_t i = 0; i < 4; ++i) x |= uint32_t{plaintext[o + i]} << (8 * i);
      return x;
    };
    if (plaintext.size() != kSharePlaintextSize || get32(0) != s.peer || get32(4) != site_id_) {
      return absl::DataLossError(
          fmt::format("site {}: the share from site {} is malformed", site_id_, s.peer));
    }
    SecretVector<uint64_t> key_share(kShareElements), seed_share(kShareElements);
    for (size_t e = 0; e < kShareElements; ++e) {
      uint64_t k = 0, b = 0;
      for (size_t i = 0; i < 8; ++i) {
        k |= uint64_t{plaintext[8 + 8 * e + i]} << (8 * i);
        b |= uint64_t{plaintext[8 + 8 * (kShareElements + e) + i]} << (8 * i);
      }
      key_share[e] = k;
      seed_share[e] = b;
    }
    keys_->held.emplace(s.peer, std::make_pair(std::move(key_share), std::move(seed_share)));
    partners.push_back(s.peer);
  }
  if (partners.size() + 1 < params_.threshold()) {
    return absl::FailedPreconditionError(
        fmt::format("site {}: shares arrived from {} neighbours, fewer than threshold - 1 = {}",
                    site_id_, partners.size(), params_.threshold() - 1));
  }

  std::vector<internal::MaskStream> streams;
  streams.reserve(partners.size() + 1);
  streams.push_back(
      {internal::SelfMaskPrg(std::span<const uint8_t, 32>(keys_->self_mask_seed.data(), 32),
                             session_, round_),
       false});
  for (uint32_t v : partners) {
    FEDCLOAK_ASSIGN_OR_RETURN(
        Prg prg, internal::PairwiseMaskPrg(*keys_->mask, site_id_, keys_->Entry(v).mask_key, v,
                                           session_, round_));
    streams.push_back({std::move(prg), /*subtract=*/site_id_ > v});
  }
  // Build the message with the plain values, then mask its payload in place.
  std::vector<uint8_t> blob = EncodeMaskedInput(site_id_, input, weight, Context());
  internal::ApplyMaskStreamsLe(std::span<uint8_t>(blob).subspan(kMaskedValuesOffset), streams);
  partners_ = std::move(partners);
  return blob;
}

absl::StatusOr<std::vector<uint8_t>> SecAggClient::Unmask(
    std::span<const uint8_t> unmasking_request) {
  FEDCLOAK_RETURN_IF_ERROR(ExpectStage(Stage::kUnmask, "Unmask"));
  FEDCLOAK_ASSIGN_OR_RETURN(UnmaskingRequest request,
                            UnmaskingRequest::Parse(unmasking_request, params_, round_, session_));
  auto result = DoUnmask(request);
  if (!result.ok()) return Abort(result.status());
  stage_ = Stage::kDone;
  keys_.reset();  // nothing more to reveal: wipe
  return result;
}

absl::StatusOr<std::vector<uint8_t>> SecAggClient::DoUnmask(const UnmaskingRequest& request) {
  const auto& survivors = request.survivors;
  const auto& dropouts = request.dropouts;
  std::vector<uint32_t> both;
  std::set_intersection(survivors.begin(), survivors.end(), dropouts.begin(), dropouts.end(),
                        std::back_inserter(both));
  if (!both.empty()) {
    return absl::InvalidArgumentError(
        fmt::format("site {}: the coordinator lists site {} both as survivor and as dropout",
                    site_id_, both.front()));
  }
  auto contains = [](const std::vector<uint32_t>& list, uint32_t id) {
    return std::binary_search(list.begin(), list.end(), id);
  };
  if (!contains(survivors, site_id_)) {
    return absl::InvalidArgumentError(
        fmt::format("site {}: the coordinator does not list this site as a survivor", site_id_));
  }
  if (survivors.size() < params_.threshold()) {
    return absl::FailedPreconditionError(
        fmt::format("site {}: only {} survivors, below the threshold {}", site_id_,
                    survivors.size(), params_.threshold()));
  }
  for (const auto* list : {&survivors, &dropouts}) {
    for (uint32_t id : *list) {
      if (!keys_->index.contains(id)) {
        return absl::InvalidArgumentError(fmt::format(
            "site {}: the coordinator lists site {}, which never advertised keys", site_id_, id));
      }
      if (keys_->graph->AreNeighbours(site_id_, id) && !contains(partners_, id)) {
        return absl::InvalidArgumentError(fmt::format(
            "site {}: the coordinator lists neighbour {}, whose shares never arrived here",
            site_id_, id));
      }
    }
  }
  UnmaskingResponse response;
  response.sender = site_id_;
  for (const auto& [owner, held] : keys_->held) {  // std::map: increasing owner id
    RevealedShare r;
    r.owner = owner;
    if (contains(survivors, owner)) {
      r.type = ShareType::kSelfMaskSeed;
      std::copy(held.second.begin(), held.second.end(), r.share.begin());
    } else if (contains(dropouts, owner)) {
      r.type = ShareType::kMaskKey;
      std::copy(held.first.begin(), held.first.end(), r.share.begin());
    } else {
      return absl::InvalidArgumentError(fmt::format(
          "site {}: the coordinator lists mask partner {} neither as survivor nor as dropout",
          site_id_, owner));
    }
    response.shares.push_back(r);
  }
  return response.Encode(Context());
}

}  // namespace fedcloak::secagg
