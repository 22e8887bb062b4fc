#include "fedcloak/fl/secagg_aggregation.h"

#include <fmt/format.h>

#include "fedcloak/base/status.h"
#include "fedcloak/fl/bundle.h"
#include "fedcloak/fl/secure_messages.h"
#include "fedcloak/fl/update_encoding.h"
#include "fedcloak/secagg/server.h"

namespace fedcloak::fl {
namespace {

// Delivers `messages` (by 1-based round site id) as tasks of `kind`, then hands each
// answer to `accept`. Sites that fail or whose answer is refused simply drop out: the
// server's Finish step decides whether enough remain.
template <typename Accept>
void RunStage(
    const RoundInput& input, TaskKind kind,
    const std::map<uint32_t, std::vector<uint8_t>>& messages,
    const std::function<std::vector<uint8_t>(uint32_t, const std::vector<uint8_t>&)>& wrap,
    AggregateOutcome* out, Accept accept) {
  std::vector<SiteHandle*> sites;
  std::vector<Task> tasks;
  std::vector<uint32_t> ids;
  for (const auto& [id, blob] : messages) {
    sites.push_back(input.selected[id - 1]);
    tasks.push_back(Task{kind, input.round, wrap ? wrap(id, blob) : blob});
    ids.push_back(id);
  }
  auto results = CallSites(sites, tasks, input.stage_timeout, *input.pool, out);
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].ok()) accept(ids[i], results[i]->payload);
  }
}

}  // namespace

absl::Status SecAggAggregation::Setup(std::span<SiteHandle* const> sites,
                                      const std::map<std::string, Enrollment>& enrolled,
                                      const SessionId& /*session*/, WorkerPool& /*pool*/,
                                      absl::Duration /*timeout*/) {
  enrolled_ = enrolled;
  if (enrolled_.size() < options_.min_survivors) {
    return absl::FailedPreconditionError(
        fmt::format("only {} of {} sites enrolled for secure aggregation, {} needed",
                    enrolled_.size(), sites.size(), options_.min_survivors));
  }
  return absl::OkStatus();
}

absl::StatusOr<AggregateOutcome> SecAggAggregation::Aggregate(const RoundInput& in) {
  AggregateOutcome out;
  // Only enrolled sites take part; the others are dropouts from the start.
  RoundInput input = in;
  input.selected.clear();
  std::vector<crypto::Ed25519PublicKey> keys;
  // Relayed to every participant so that it can check the keys (attested runs).
  std::vector<PartyCredential> credentials;
  bool attested = true;
  for (SiteHandle* s : in.selected) {
    auto it = enrolled_.find(s->name());
    if (it == enrolled_.end()) {
      out.dropouts.push_back(s->name());
      continue;
    }
    input.selected.push_back(s);
    keys.push_back(it->second.identity_key);
    credentials.push_back(PartyCredential{s->name(), it->second});
    attested = attested && !it->second.attestation.empty();
  }
  if (!attested) credentials.clear();
  const auto n = static_cast<uint32_t>(input.selected.size());
  FEDCLOAK_ASSIGN_OR_RETURN(
      UpdateEncoding encoding,
      UpdateEncoding::Create(input.broadcast.encoding, input.broadcast.params.size(), in.session,
                             in.round));
  const uint64_t length = encoding.encoded_length();
  if (n < std::max<uint32_t>(options_.min_survivors, 3)) {
    return absl::FailedPreconditionError(
        fmt::format("round {}: {} enrolled sites selected; secure aggregation needs at least {}",
                    in.round, n, std::max<uint32_t>(options_.min_survivors, 3)));
  }
  absl::StatusOr<secagg::SecAggParameters> params;
  if (options_.neighbours == 0 && options_.threshold == 0) {
    params = secagg::SecAggParameters::Derive(n, length, options_.threat_model);
  } else {
    // One of the two set: no neighbours means the complete graph; no threshold means the
    // smallest one for which the coordinator can never hold both shares of a site.
    const uint32_t k = options_.neighbours == 0 ? n - 1 : options_.neighbours;
    const uint32_t t = options_.threshold == 0 ? (k + 1) / 2 + 1 : options_.threshold;
    params = secagg::SecAggParameters::Create(n, k, t, length);
  }
  FEDCLOAK_RETURN_IF_ERROR(params.status());
  FEDCLOAK_ASSIGN_OR_RETURN(secagg::SecAggServer server,
                            secagg::SecAggServer::Create(*params, in.round, keys));

  // Stage 0: setup and key advertisement.
  std::map<uint32_t, std::vector<uint8_t>> setup;
  for (uint32_t id = 1; id <= n; ++id) {
    SecAggSetup s{n, params->neighbours(), params->threshold(), length, id, keys, credentials};
    setup[id] = EncodeSecAggSetup(s, in.session, in.round);
  }
  RunStage(input, TaskKind::kSecAggAdvertise, setup, nullptr, &out,
           [&](uint32_t id, const std::vector<uint8_t>& blob) {
             (void)server.AddAdvertisement(id, blob);
           });
  FEDCLOAK_ASSIGN_OR_RETURN(auto directories, server.FinishAdvertising());

  // Stage 1: encrypted shares of the mask key and self-mask seed.
  RunStage(
      input, TaskKind::kSecAggShareKeys, directories, nullptr, &out,
      [&](uint32_t id, const std::vector<uint8_t>& blob) { (void)server.AddShareKeys(id, blob); });
  FEDCLOAK_ASSIGN_OR_RETURN(auto shares, server.FinishSharing());

  // Stage 2: train, encode, mask. The model travels with the shares.
  const std::vector<uint8_t> broadcast = EncodeModelBroadcast(input.broadcast, in.session);
  double loss_sum = 0;
  size_t loss_count = 0;
  RunStage(
      input, TaskKind::kSecAggMaskedInput, shares,
      [&](uint32_t, const std::vector<uint8_t>& blob) {
        const std::vector<uint8_t> parts[] = {blob, broadcast};
        return EncodeBundle(parts);
      },
      &out,
      [&](uint32_t id, const std::vector<uint8_t>& payload) {
        auto parts = DecodeBundle(payload, 2);
        if (!parts.ok()) return;
        if (!server.AddMaskedInput(id, (*parts)[0]).ok()) return;
        auto loss = DecodeTrainReport((*parts)[1], in.session, in.round);
        if (loss.ok()) loss_sum += *loss, ++loss_count;
      });
  FEDCLOAK_ASSIGN_OR_RETURN(auto requests, server.FinishMasking());

  // Stage 3: unmasking.
  RunStage(input, TaskKind::kSecAggUnmask, requests, nullptr, &out,
           [&](uint32_t id, const std::vector<uint8_t>& blob) {
             (void)server.AddUnmaskingResponse(id, blob);
           });
  FEDCLOAK_ASSIGN_OR_RETURN(secagg::SecAggResult result, server.Finish());

  for (uint32_t id : result.survivors) out.survivors.push_back(input.selected[id - 1]->name());
  for (uint32_t id : result.dropouts) out.dropouts.push_back(input.selected[id - 1]->name());
  if (out.survivors.size() < options_.min_survivors || result.total_weight == 0) {
    return absl::FailedPreconditionError(
        fmt::format("round {}: {} sites survived secure aggregation, {} needed", in.round,
                    out.survivors.size(), options_.min_survivors));
  }
  out.total_weight = result.total_weight;
  FEDCLOAK_ASSIGN_OR_RETURN(out.mean_update, encoding.DecodeMean(result.sum, result.total_weight));
  // The weights are secret: the reported loss is the plain mean over reporting sites.
  out.mean_train_loss = loss_count > 0 ? loss_sum / static_cast<double>(loss_count) : 0.0;
  return out;
}

}  // namespace fedcloak::fl
