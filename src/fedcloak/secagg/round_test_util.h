// Test-only: drives whole SecAgg+ rounds in process (identities, clients with seeded
// Prgs, coordinator), with sites dropping at chosen stages, and predicts from public data
// alone whether the round must succeed.
#ifndef FEDCLOAK_SECAGG_ROUND_TEST_UTIL_H_
#define FEDCLOAK_SECAGG_ROUND_TEST_UTIL_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/base/prg.h"
#include "fedcloak/crypto/ed25519.h"
#include "fedcloak/secagg/client.h"
#include "fedcloak/secagg/neighbour_graph.h"
#include "fedcloak/secagg/server.h"

namespace fedcloak::secagg::testing {

inline Prg SeededPrg(uint64_t seed, std::string_view label) {
  std::array<uint8_t, 32> key{};
  std::memcpy(key.data(), &seed, sizeof(seed));
  return Prg(key, label);
}

// Sites that stop responding before each stage.
struct Dropouts {
  std::set<uint32_t> before_advertise;
  std::set<uint32_t> before_share_keys;
  std::set<uint32_t> before_masked_input;
  std::set<uint32_t> before_unmasking;
};

struct RoundOutcome {
  absl::StatusOr<SecAggResult> result = absl::UnknownError("not run");
  std::vector<uint32_t> sent_masked_input;         // sites whose masked input reached the server
  std::vector<std::vector<uint8_t>> masked_blobs;  // in site order, for known answers
  bool predicted_success = false;
  std::string prediction;  // why the prediction says what it says
  SessionId session;
  std::vector<absl::Status> client_aborts;  // sites that gave up (too few holders/partners)
};

class Federation {
 public:
  Federation(const SecAggParameters& params, uint64_t round, uint64_t seed)
      : params_(params), round_(round), seed_(seed) {
    Prg id_rng = SeededPrg(seed, "identities");
    for (uint32_t i = 0; i < params.num_sites(); ++i) {
      identities_.push_back(crypto::Ed25519KeyPair::Generate(id_rng));
      identity_keys_.push_back(identities_.back().public_key());
    }
  }

  const std::vector<crypto::Ed25519PublicKey>& identity_keys() const { return identity_keys_; }
  crypto::Ed25519KeyPair& identity(uint32_t site) { return identities_[site - 1]; }

  RoundOutcome Run(const std::vector<std::vector<uint32_t>>& inputs,
                   const std::vector<uint32_t>& weights, const Dropouts& drops) {
    RoundOutcome out;
    const uint32_t n = params_.num_sites();
    const uint32_t t = params_.threshold();
    std::vector<std::unique_ptr<Prg>> rngs;
    std::vector<std::unique_ptr<SecAggClient>> clients(n + 1);
    auto server = SecAggServer::Create(params_, round_, identity_keys_);
    if (!server.ok()) {
      out.result = server.status();
      return out;
    }
    std::set<uint32_t> alive;
    for (uint32_t i = 1; i <= n; ++i) {
      rngs.push_back(std::make_unique<Prg>(SeededPrg(seed_ * 1000003 + i, "client")));
      clients[i] = std::make_unique<SecAggClient>(
          *SecAggClient::Create(params_, round_, i, identity_keys_, *rngs.back()));
      if (!drops.before_advertise.contains(i)) alive.insert(i);
    }
    auto fail = [&](absl::Status s) {
      out.result = s;
      return out;
    };
    // Stage 0.
    for (uint32_t i : alive) {
      auto blob = clients[i]->AdvertiseKeys(identity(i));
      if (!blob.ok()) return fail(blob.status());
      if (auto s = server->AddAdvertisement(i, *blob); !s.ok()) return fail(s);
    }
    const std::vector<uint32_t> u1(alive.begin(), alive.end());
    // Prediction, from public data only.
    std::string why;
    bool ok = u1.size() >= t;
    if (!ok) why = "fewer than t advertised";
    auto directory = server->FinishAdvertising();
    if (!directory.ok()) {
      out.predicted_success = ok;
      out.prediction = why;
      return fail(directory.status());
    }
    out.session = server->session();
    const NeighbourGraph graph(u1, params_.neighbours(), n, server->session());
    // Stage 1.
    std::set<uint32_t> u2;
    for (uint32_t i : u1) {
      if (drops.before_share_keys.contains(i)) continue;
      auto blob = clients[i]->ShareKeys(directory->at(i));
      if (!blob.ok()) {  // the site aborted (too few holders): it drops out
        out.client_aborts.push_back(blob.status());
        continue;
      }
      if (auto s = server->AddShareKeys(i, *blob); !s.ok()) return fail(s);
      u2.insert(i);
    }
    if (u2.size() < t) ok = false, why = "fewer than t shared keys";
    auto shares = server->FinishSharing();
    if (!shares.ok()) {
      out.predicted_success = ok;
      out.prediction = why;
      return fail(shares.status());
    }
    // Stage 2.
    std::set<uint32_t> u3;
    for (uint32_t i : u2) {
      if (drops.before_masked_input.contains(i)) continue;
      auto blob = clients[i]->MaskInput(shares->at(i), inputs[i - 1], weights[i - 1]);
      if (!blob.ok()) {  // too few mask partners: the site aborts
        out.client_aborts.push_back(blob.status());
        continue;
      }
      if (auto s = server->AddMaskedInput(i, *blob); !s.ok()) return fail(s);
      out.masked_blobs.push_back(*std::move(blob));
      u3.insert(i);
    }
    out.sent_masked_input.assign(u3.begin(), u3.end());
    if (u3.size() < t) ok = false, why = "fewer than t masked inputs";
    auto requests = server->FinishMasking();
    if (!requests.ok()) {
      out.predicted_success = ok;
      out.prediction = why;
      return fail(requests.status());
    }
    // Stage 3.
    std::set<uint32_t> u4;
    for (uint32_t i : u3) {
      if (drops.before_unmasking.contains(i)) continue;
      auto blob = clients[i]->Unmask(requests->at(i));
      if (!blob.ok()) return fail(blob.status());
      if (auto s = server->AddUnmaskingResponse(i, *blob); !s.ok()) return fail(s);
      u4.insert(i);
    }
    // Each u in U2 needs t responders among its holders ({u} + N(u) for survivors, N(u)
    // for dropouts), all of which hold u's shares since they are in U2.
    for (uint32_t u : u2) {
      size_t count = u3.contains(u) && u4.contains(u) ? size_t{1} : size_t{0};
      for (uint32_t v : graph.Neighbours(u)) count += u4.contains(v) ? size_t{1} : size_t{0};
      if (count < t) ok = false, why = "site " + std::to_string(u) + " has < t responders";
    }
    out.predicted_success = ok;
    out.prediction = why;
    out.result = server->Finish();
    return out;
  }

 private:
  SecAggParameters params_;
  uint64_t round_;
  uint64_t seed_;
  std::vector<crypto::Ed25519KeyPair> identities_;
  std::vector<crypto::Ed25519PublicKey> identity_keys_;
};

}  // namespace fedcloak::secagg::testing

#endif  // FEDCLOAK_SECAGG_ROUND_TEST_UTIL_H_
