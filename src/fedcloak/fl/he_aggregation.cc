#include "fedcloak/fl/he_aggregation.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "fedcloak/base/status.h"
#include "fedcloak/crypto/rlwe/ciphertext_vector.h"
#include "fedcloak/crypto/rlwe/decryption_share.h"
#include "fedcloak/crypto/rlwe/threshold_party.h"
#include "fedcloak/fl/bundle.h"
#include "fedcloak/fl/secure_messages.h"
#include "fedcloak/fl/update_encoding.h"

namespace fedcloak::fl {

absl::StatusOr<std::shared_ptr<const crypto::RlweContext>> HeContextFor(uint8_t parameter_set) {
  switch (parameter_set) {
    case 0:
      return crypto::RlweContext::Create(crypto::RlweParameters::Default());
    case 1:
      return crypto::RlweContext::Create(crypto::RlweParameters::Default8192());
  }
  return absl::InvalidArgumentError(fmt::format("HE parameter set {} is unknown", parameter_set));
}

absl::Status HeAggregation::Setup(std::span<SiteHandle* const> sites,
                                  const std::map<std::string, Enrollment>& enrolled,
                                  const SessionId& session, WorkerPool& pool,
                                  absl::Duration timeout) {
  FEDCLOAK_ASSIGN_OR_RETURN(ctx_, HeContextFor(options_.parameter_set));
  const auto n = static_cast<uint32_t>(sites.size());
  if (options_.threshold < 2 || options_.threshold > n) {
    return absl::InvalidArgumentError(
        fmt::format("HE threshold {} is outside [2, {}] (the run's sites)", options_.threshold, n));
  }
  if (n > ctx_->parameters().max_sites()) {
    return absl::InvalidArgumentError(fmt::format("{} sites exceed the HE parameter set's {}", n,
                                                  ctx_->parameters().max_sites()));
  }
  // 1. Every site's transport key, from the session's enrollment.
  std::vector<crypto::X25519PublicKey> keys(n);
  std::vector<PartyCredential> credentials;  // relayed for the sites to check
  bool attested = true;
  std::vector<std::string> missing;
  for (uint32_t i = 0; i < n; ++i) {
    auto it = enrolled.find(sites[i]->name());
    if (it == enrolled.end()) {
      missing.push_back(sites[i]->name());
      continue;
    }
    keys[i] = it->second.transport_key;
    credentials.push_back(PartyCredential{sites[i]->name(), it->second});
    attested = attested && !it->second.attestation.empty();
  }
  if (!attested) credentials.clear();
  auto fail = [&](std::string_view stage) {
    return absl::FailedPreconditionError(
        fmt::format("HE key setup ({}): no valid answer from {}", stage, fmt::join(missing, ", ")));
  };
  if (!missing.empty()) return fail("enrollment");

  // 2. Key generation: public-key shares and sealed Shamir shares.
  std::vector<Task> tasks;
  for (uint32_t i = 0; i < n; ++i) {
    HeKeySetup s{options_.parameter_set, n, options_.threshold, i + 1, keys, credentials};
    tasks.push_back(Task{TaskKind::kHeKeyGen, 0, EncodeHeKeySetup(s, session)});
  }
  auto generated = CallSites(sites, tasks, timeout, pool, nullptr);
  std::vector<std::vector<uint8_t>> pk_shares(n);
  std::vector<std::vector<std::vector<uint8_t>>> envelopes_to(n);
  std::vector<crypto::PublicKeyShare> shares;
  for (uint32_t i = 0; i < n; ++i) {
    absl::StatusOr<std::vector<std::span<const uint8_t>>> parts =
        generated[i].ok()
            ? DecodeBundle(generated[i]->payload, n)
            : absl::StatusOr<std::vector<std::span<const uint8_t>>>(generated[i].status());
    if (!parts.ok()) {
      missing.push_back(sites[i]->name());
      continue;
    }
    auto share = crypto::PublicKeyShare::Load(ctx_, (*parts)[0], session);
    bool ok = share.ok() && share->party_id() == i + 1;
    for (size_t k = 1; ok && k < parts->size(); ++k) {
      auto routing = crypto::ReadKeyShareRouting((*parts)[k]);
      ok = routing.ok() && routing->from == i + 1 && routing->to >= 1 && routing->to <= n &&
           routing->to != i + 1;
      if (ok) envelopes_to[routing->to - 1].emplace_back((*parts)[k].begin(), (*parts)[k].end());
    }
    if (!ok) {
      missing.push_back(sites[i]->name());
      continue;
    }
    pk_shares[i].assign((*parts)[0].begin(), (*parts)[0].end());
    shares.push_back(*std::move(share));
  }
  if (!missing.empty()) return fail("key generation");
  FEDCLOAK_ASSIGN_OR_RETURN(crypto::CollectivePublicKey key,
                            crypto::CollectivePublicKey::Aggregate(ctx_, session, n, shares));

  // 3. Delivery: every public-key share and the envelopes addressed to each party.
  tasks.clear();
  const std::vector<uint8_t> all_shares = EncodeBundle(pk_shares);
  for (uint32_t i = 0; i < n; ++i) {
    const std::vector<uint8_t> parts[] = {all_shares, EncodeBundle(envelopes_to[i])};
    tasks.push_back(Task{TaskKind::kHeKeyShares, 0, EncodeBundle(parts)});
  }
  auto finished = CallSites(sites, tasks, timeout, pool, nullptr);
  const std::vector<uint8_t> expected_key = key.Serialize();
  for (uint32_t i = 0; i < n; ++i) {
    if (!finished[i].ok() || finished[i]->payload != expected_key)
      missing.push_back(sites[i]->name());
  }
  if (!missing.empty()) return fail("key-share delivery");
  collective_key_ = std::move(key);
  for (uint32_t i = 0; i < n; ++i) party_ids_[sites[i]->name()] = i + 1;
  return absl::OkStatus();
}

absl::StatusOr<AggregateOutcome> HeAggregation::Aggregate(const RoundInput& in) {
  if (!collective_key_) return absl::FailedPreconditionError("HE key setup has not run");
  AggregateOutcome out;
  FEDCLOAK_ASSIGN_OR_RETURN(
      UpdateEncoding encoding,
      UpdateEncoding::Create(in.broadcast.encoding, in.broadcast.params.size(), in.session,
                             in.round));
  const uint64_t length = encoding.encoded_length();
  // Train and encrypt: the update plus its weight as one more value.
  Task task{TaskKind::kTrain, in.round, EncodeModelBroadcast(in.broadcast, in.session)};
  auto results = BroadcastToSites(in.selected, task, in.stage_timeout, *in.pool, &out);
  crypto::CiphertextExpectation expect;
  expect.session = in.session;
  expect.round = in.round;
  expect.num_values = length + 1;
  crypto::CiphertextVector sum, incoming;
  std::vector<SiteHandle*> survivors;
  double loss_sum = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    SiteHandle* site = in.selected[i];
    auto parts = results[i].ok()
                     ? DecodeBundle(results[i]->payload, 2)
                     : absl::StatusOr<std::vector<std::span<const uint8_t>>>(results[i].status());
    bool ok = parts.ok() && party_ids_.count(site->name()) == 1 &&
              crypto::CiphertextVector::LoadInto(ctx_, (*parts)[0], expect, &incoming).ok();
    if (ok) ok = sum.empty() ? (sum = incoming, true) : sum.Add(incoming).ok();
    if (!ok) {
      out.dropouts.push_back(site->name());
      continue;
    }
    auto loss = DecodeTrainReport((*parts)[1], in.session, in.round);
    if (loss.ok()) loss_sum += *loss;
    survivors.push_back(site);
  }
  if (survivors.size() < std::max(options_.min_survivors, options_.threshold)) {
    return absl::FailedPreconditionError(
        fmt::format("round {}: {} encrypted updates arrived, {} needed", in.round, survivors.size(),
                    std::max(options_.min_survivors, options_.threshold)));
  }

  // Threshold decryption of the sum by `threshold` of the sites that just answered.
  std::vector<SiteHandle*> active(survivors.begin(), survivors.begin() + options_.threshold);
  std::vector<uint32_t> active_ids;
  for (SiteHandle* s : active) active_ids.push_back(party_ids_.at(s->name()));
  std::sort(active_ids.begin(), active_ids.end());
  std::vector<uint8_t> aggregate;
  sum.Serialize(&aggregate);
  const std::vector<uint8_t> parts[] = {aggregate,
                                        EncodeActiveSet(active_ids, in.session, in.round)};
  Task decrypt{TaskKind::kHeDecrypt, in.round, EncodeBundle(parts)};
  auto answers = BroadcastToSites(active, decrypt, in.stage_timeout, *in.pool, &out);
  std::vector<crypto::DecryptionShare> shares;
  for (size_t i = 0; i < answers.size(); ++i) {
    if (!answers[i].ok()) continue;
    auto share = crypto::DecryptionShare::Load(*ctx_, answers[i]->payload, in.session, in.round);
    if (share.ok() && share->party_id() == party_ids_.at(active[i]->name())) {
      shares.push_back(*std::move(share));
    }
  }
  if (shares.size() < active.size()) {
    return absl::FailedPreconditionError(
        fmt::format("round {}: {} of {} decryption shares arrived; the round's active set is "
                    "fixed, so the round fails",
                    in.round, shares.size(), active.size()));
  }
  FEDCLOAK_ASSIGN_OR_RETURN(std::vector<uint32_t> plain,
                            crypto::CombineDecryptionShares(sum, shares, options_.threshold));
  const uint32_t total_weight = plain.back();
  if (total_weight == 0) return absl::FailedPreconditionError("decrypted total weight is 0");
  plain.pop_back();
  out.total_weight = total_weight;
  FEDCLOAK_ASSIGN_OR_RETURN(out.mean_update, encoding.DecodeMean(plain, total_weight));
  for (SiteHandle* s : survivors) out.survivors.push_back(s->name());
  out.mean_train_loss = loss_sum / static_cast<double>(survivors.size());
  return out;
}

}  // namespace fedcloak::fl
