#include "fedcloak/secagg/server.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <set>

#include "fedcloak/base/status.h"
#include "fedcloak/crypto/shamir.h"
#include "fedcloak/crypto/x25519.h"
#include "fedcloak/secagg/masking.h"
#include "fedcloak/secagg/neighbour_graph.h"
#include "fmt/format.h"

namespace fedcloak::secagg {
namespace {

bool Contains(const std::vector<uint32_t>& sorted, uint32_t id) {
  return std::binary_search(sorted.begin(), sorted.end(), id);
}

}  // namespace

struct SecAggServer::State {
  std::map<uint32_t, AdvertiseKeys> advertised;
  std::vector<uint32_t> all_sites;      // 1..n
  std::vector<uint32_t> advertisers;    // U1
  std::vector<uint32_t> share_senders;  // U2
  std::vector<uint32_t> survivors;      // U3
  std::optional<NeighbourGraph> graph;
  std::map<uint32_t, std::vector<SealedShare>> share_keys;  // by sender
  std::map<uint32_t, std::vector<uint32_t>> partners;       // v -> senders forwarded to v
  std::set<uint32_t> received;                              // senders at the current stage
  std::vector<uint32_t> sum;
  std::map<uint32_t, UnmaskingResponse> responses;
};

absl::StatusOr<SecAggServer> SecAggServer::Create(
    const SecAggParameters& params, uint64_t round,
    std::vector<crypto::Ed25519PublicKey> identity_keys) {
  if (identity_keys.size() != params.num_sites()) {
    return absl::InvalidArgumentError(
        fmt::format("{} identity keys for {} sites", identity_keys.size(), params.num_sites()));
  }
  return SecAggServer(params, round, std::move(identity_keys));
}

SecAggServer::SecAggServer(const SecAggParameters& params, uint64_t round,
                           std::vector<crypto::Ed25519PublicKey> identity_keys)
    : params_(params),
      round_(round),
      identity_keys_(std::move(identity_keys)),
      state_(std::make_unique<State>()) {
  for (uint32_t i = 1; i <= params.num_sites(); ++i) state_->all_sites.push_back(i);
}

SecAggServer::SecAggServer(SecAggServer&&) noexcept = default;
SecAggServer& SecAggServer::operator=(SecAggServer&&) noexcept = default;
SecAggServer::~SecAggServer() = default;

MessageContext SecAggServer::Context() const {
  return MessageContext{params_.parameter_id(), round_, session_};
}

absl::Status SecAggServer::ExpectStage(Stage stage, std::string_view call) const {
  if (stage_ == Stage::kAborted) {
    return absl::FailedPreconditionError(
        fmt::format("coordinator: {} after the round was aborted: {}", call,
                    std::string(abort_status_.message())));
  }
  if (stage_ != stage) {
    return absl::FailedPreconditionError(
        fmt::format("coordinator: {} at the wrong stage (replayed or out-of-order message)", call));
  }
  return absl::OkStatus();
}

absl::Status SecAggServer::CheckSender(uint32_t from_site, uint32_t claimed, std::string_view what,
                                       const std::vector<uint32_t>& expected) const {
  if (claimed != from_site) {
    return absl::InvalidArgumentError(fmt::format(
        "coordinator: {} from site {} claims to come from site {}", what, from_site, claimed));
  }
  if (!Contains(expected, from_site)) {
    return absl::FailedPreconditionError(fmt::format(
        "coordinator: {} from site {}, which is not a participant at this stage", what, from_site));
  }
  if (state_->received.contains(from_site)) {
    return absl::FailedPreconditionError(
        fmt::format("coordinator: duplicate {} from site {}", what, from_site));
  }
  return absl::OkStatus();
}

absl::Status SecAggServer::Abort(absl::Status status) {
  stage_ = Stage::kAborted;
  abort_status_ = status;
  state_->sum.clear();
  return status;
}

absl::Status SecAggServer::RequireQuorum(size_t count, std::string_view what) {
  if (count < params_.threshold()) {
    return Abort(absl::FailedPreconditionError(
        fmt::format("coordinator: only {} sites {}, below the threshold {}; round aborted", count,
                    what, params_.threshold())));
  }
  return absl::OkStatus();
}

std::vector<uint32_t> SecAggServer::Pending() const {
  const std::vector<uint32_t>* expected = nullptr;
  switch (stage_) {
    case Stage::kAdvertise:
      expected = &state_->all_sites;
      break;
    case Stage::kShareKeys:
      expected = &state_->advertisers;
      break;
    case Stage::kMaskedInput:
      expected = &state_->share_senders;
      break;
    case Stage::kUnmasking:
      expected = &state_->survivors;
      break;
    default:
      return {};
  }
  std::vector<uint32_t> pending;
  for (uint32_t id : *expected) {
    if (!state_->received.contains(id)) pending.push_back(id);
  }
  return pending;
}

absl::Status SecAggServer::AddAdvertisement(uint32_t from_site, std::span<const uint8_t> blob) {
  FEDCLOAK_RETURN_IF_ERROR(ExpectStage(Stage::kAdvertise, "AdvertiseKeys"));
  FEDCLOAK_ASSIGN_OR_RETURN(AdvertiseKeys a, AdvertiseKeys::Parse(blob, params_, round_));
  FEDCLOAK_RETURN_IF_ERROR(CheckSender(from_site, a.site, "AdvertiseKeys", state_->all_sites));
  FEDCLOAK_RETURN_IF_ERROR(crypto::Ed25519Verify(
      identity_keys_[a.site - 1], a.SignedBytes(params_.parameter_id(), round_), a.signature));
  state_->received.insert(a.site);
  state_->advertised.emplace(a.site, a);
  return absl::OkStatus();
}

absl::StatusOr<OutgoingMessages> SecAggServer::FinishAdvertising() {
  FEDCLOAK_RETURN_IF_ERROR(ExpectStage(Stage::kAdvertise, "FinishAdvertising"));
  FEDCLOAK_RETURN_IF_ERROR(RequireQuorum(state_->advertised.size(), "advertised keys"));
  KeyDirectory directory;
  for (const auto& [site, a] : state_->advertised) {
    directory.entries.push_back(a);
    state_->advertisers.push_back(site);
  }
  session_ = SessionIdOf(directory, params_.parameter_id(), round_);
  state_->graph.emplace(state_->advertisers, params_.neighbours(), params_.num_sites(), session_);
  const std::vector<uint8_t> blob = directory.Encode(Context());
  OutgoingMessages out;
  for (uint32_t site : state_->advertisers) out.emplace(site, blob);
  state_->received.clear();
  stage_ = Stage::kShareKeys;
  return out;
}

absl::Status SecAggServer::AddShareKeys(uint32_t from_site, std::span<const uint8_t> blob) {
  FEDCLOAK_RETURN_IF_ERROR(ExpectStage(Stage::kShareKeys, "ShareKeys"));
  FEDCLOAK_ASSIGN_OR_RETURN(ShareKeys m, ShareKeys::Parse(blob, params_, round_, session_));
  FEDCLOAK_RETURN_IF_ERROR(CheckSender(from_site, m.sender, "ShareKeys", state_->advertisers));
  const std::span<const uint32_t> neighbours = state_->graph->Neighbours(m.sender);
  bool exact = m.shares.size() == neighbours.size();
  for (size_t i = 0; exact && i < m.shares.size(); ++i) exact = m.shares[i].peer == neighbours[i];
  if (!exact) {
    return absl::InvalidArgumentError(fmt::format(
        "coordinator: ShareKeys from site {} addresses {} recipients, not its {} neighbours",
        m.sender, m.shares.size(), neighbours.size()));
  }
  state_->received.insert(m.sender);
  state_->share_keys.emplace(m.sender, std::move(m.shares));
  return absl::OkStatus();
}

absl::StatusOr<OutgoingMessages> SecAggServer::FinishSharing() {
  FEDCLOAK_RETURN_IF_ERROR(ExpectStage(Stage::kShareKeys, "FinishSharing"));
  FEDCLOAK_RETURN_IF_ERROR(RequireQuorum(state_->share_keys.size(), "shared keys"));
  for (const auto& [sender, shares] : state_->share_keys) state_->share_senders.push_back(sender);
  std::map<uint32_t, EncryptedShares> inbox;
  for (uint32_t v : state_->share_senders) inbox[v].recipient = v;
  for (auto& [sender, shares] : state_->share_keys) {  // increasing sender: lists stay sorted
    for (SealedShare& s : shares) {
      auto it = inbox.find(s.peer);
      if (it == inbox.end()) continue;  // the recipient dropped before sharing
      state_->partners[s.peer].push_back(sender);
      it->second.shares.push_back(SealedShare{sender, std::move(s.ciphertext)});
    }
  }
  state_->share_keys.clear();
  OutgoingMessages out;
  for (const auto& [v, message] : inbox) out.emplace(v, message.Encode(Context()));
  state_->sum.assign(params_.masked_length(), 0);
  state_->received.clear();
  stage_ = Stage::kMaskedInput;
  return out;
}

absl::Status SecAggServer::AddMaskedInput(uint32_t from_site, std::span<const uint8_t> blob) {
  FEDCLOAK_RETURN_IF_ERROR(ExpectStage(Stage::kMaskedInput, "MaskedInput"));
  FEDCLOAK_ASSIGN_OR_RETURN(MaskedInputView m,
                            MaskedInputView::Parse(blob, params_, round_, session_));
  FEDCLOAK_RETURN_IF_ERROR(CheckSender(from_site, m.sender, "MaskedInput", state_->share_senders));
  state_->received.insert(m.sender);
  uint32_t* __restrict sum = state_->sum.data();
  const uint8_t* __restrict bytes = m.masked.data();
  const size_t n = state_->sum.size();
  for (size_t i = 0; i < n; ++i) {
    uint32_t v;
    std::memcpy(&v, bytes + 4 * i, sizeof(v));
    sum[i] += v;
  }
  return absl::OkStatus();
}

absl::StatusOr<OutgoingMessages> SecAggServer::FinishMasking() {
  FEDCLOAK_RETURN_IF_ERROR(ExpectStage(Stage::kMaskedInput, "FinishMasking"));
  FEDCLOAK_RETURN_IF_ERROR(RequireQuorum(state_->received.size(), "sent masked inputs"));
  UnmaskingRequest request;
  request.survivors.assign(state_->received.begin(), state_->received.end());
  for (uint32_t v : state_->share_senders) {
    if (!state_->received.contains(v)) request.dropouts.push_back(v);
  }
  state_->survivors = request.survivors;
  const std::vector<uint8_t> blob = request.Encode(Context());
  OutgoingMessages out;
  for (uint32_t v : state_->survivors) out.emplace(v, blob);
  state_->received.clear();
  stage_ = Stage::kUnmasking;
  return out;
}

absl::Status SecAggServer::AddUnmaskingResponse(uint32_t from_site, std::span<const uint8_t> blob) {
  FEDCLOAK_RETURN_IF_ERROR(ExpectStage(Stage::kUnmasking, "UnmaskingResponse"));
  FEDCLOAK_ASSIGN_OR_RETURN(UnmaskingResponse m,
                            UnmaskingResponse::Parse(blob, params_, round_, session_));
  FEDCLOAK_RETURN_IF_ERROR(
      CheckSender(from_site, m.sender, "UnmaskingResponse", state_->survivors));
  // Exactly one share per owner in partners(sender) + sender, of the type its fate calls for.
  std::vector<uint32_t> owners = state_->partners[m.sender];
  owners.insert(std::upper_bound(owners.begin(), owners.end(), m.sender), m.sender);
  bool ok = owners.size() == m.shares.size();
  for (size_t i = 0; ok && i < owners.size(); ++i) {
    const ShareType expected =
        Contains(state_->survivors, owners[i]) ? ShareType::kSelfMaskSeed : ShareType::kMaskKey;
    ok = m.shares[i].owner == owners[i] && m.shares[i].type == expected;
  }
  if (!ok) {
    return absl::InvalidArgumentError(fmt::format(
        "coordinator: UnmaskingResponse from site {} does not reveal exactly the expected share "
        "for each of its {} share owners",
        m.sender, owners.size()));
  }
  state_->received.insert(m.sender);
  state_->responses.emplace(m.sender, std::move(m));
  return absl::OkStatus();
}

absl::StatusOr<SecAggResult> SecAggServer::Finish() {
  FEDCLOAK_RETURN_IF_ERROR(ExpectStage(Stage::kUnmasking, "Finish"));
  auto result = DoFinish();
  if (!result.ok()) return Abort(result.status());
  stage_ = Stage::kDone;
  return result;
}

absl::StatusOr<SecAggResult> SecAggServer::DoFinish() {
  FEDCLOAK_ASSIGN_OR_RETURN(const crypto::ShamirScheme shamir,
                            crypto::ShamirScheme::Create(params_.threshold(), params_.num_sites(),
                                                         crypto::ShamirScheme::kMersenne61));
  // Gather, per owner, the shares revealed by the responders.
  struct Collected {
    std::vector<uint32_t> points;
    std::vector<std::span<const uint64_t>> shares;
  };
  std::map<uint32_t, Collected> collected;
  for (const auto& [responder, response] : state_->responses) {
    for (const RevealedShare& s : response.shares) {
      collected[s.owner].points.push_back(responder);
      collected[s.owner].shares.push_back(s.share);
    }
  }
  auto reconstruct = [&](uint32_t owner, std::string_view what) -> absl::StatusOr<SecretBytes> {
    Collected& c = collected[owner];
    if (c.points.size() < params_.threshold()) {
      return absl::FailedPreconditionError(fmt::format(
          "coordinator: only {} shares of the {} of site {} arrived, below the threshold {}; "
          "round aborted",
          c.points.size(), what, owner, params_.threshold()));
    }
    return shamir.ReconstructBytes(c.points, c.shares, 32);
  };

  std::vector<internal::MaskStream> streams;
  for (uint32_t u : state_->survivors) {
    FEDCLOAK_ASSIGN_OR_RETURN(SecretBytes seed, reconstruct(u, "self-mask seed"));
    streams.push_back(
        {internal::SelfMaskPrg(std::span<const uint8_t, 32>(seed.data(), 32), session_, round_),
         /*subtract=*/true});
  }
  for (uint32_t u : state_->share_senders) {
    if (Contains(state_->survivors, u)) continue;
    FEDCLOAK_ASSIGN_OR_RETURN(SecretBytes secret, reconstruct(u, "mask key"));
    FEDCLOAK_ASSIGN_OR_RETURN(crypto::X25519KeyPair key,
                              crypto::X25519KeyPair::FromSecretKey(std::move(secret)));
    if (key.public_key() != state_->advertised.at(u).mask_key) {
      return absl::DataLossError(fmt::format(
          "coordinator: the reconstructed mask key of site {} does not match its advertised key",
          u));
    }
    // Survivors that masked with u added (v < u) or subtracted (v > u) PRG(s_uv): undo it.
    for (uint32_t v : state_->survivors) {
      const std::vector<uint32_t>& p = state_->partners[v];
      if (!std::binary_search(p.begin(), p.end(), u)) continue;
      FEDCLOAK_ASSIGN_OR_RETURN(
          Prg prg, internal::PairwiseMaskPrg(key, u, state_->advertised.at(v).mask_key, v, session_,
                                             round_));
      streams.push_back({std::move(prg), /*subtract=*/v < u});
    }
  }
  internal::ApplyMaskStreams(state_->sum, streams);

  SecAggResult result;
  result.total_weight = state_->sum.back();
  state_->sum.pop_back();
  result.sum = std::move(state_->sum);
  result.survivors = state_->survivors;
  for (uint32_t id : state_->all_sites) {
    if (!Contains(result.survivors, id)) result.dropouts.push_back(id);
  }
  return result;
}

}  // namespace fedcloak::secagg
