// Example 1: threshold homomorphic aggregation with 3 sites and threshold 2.
//
// Three sites agree on a session, generate a collective public key whose secret nobody
// holds, each encrypt a small update, a coordinator adds the ciphertexts, and any two
// sites decrypt the sum (and only the sum). Every step prints what travels; everything
// that travels is a byte blob. Run: build/examples/1_threshold_aggregation
#include <cstdio>
#include <vector>

#include "fedcloak/base/secure_random.h"
#include "fedcloak/crypto/rlwe/decryption_share.h"
#include "fedcloak/crypto/rlwe/threshold_party.h"

using namespace fedcloak;          // NOLINT: example brevity
using namespace fedcloak::crypto;  // NOLINT

int main() {
  SecureRandom& rng = DefaultRandom();
  // 1. Parameters: N = 4096, two primes (109 bits), t = 2^32. Validated at creation.
  const RlweParameters params = RlweParameters::Default();
  auto ctx = *RlweContext::Create(params);
  std::printf("1. parameters: %s\n", params.ToString().c_str());

  // 2. Session: 3 sites, any 2 can decrypt. Each site has an X25519 identity key; the
  //    public keys are exchanged beforehand (e.g. by the coordinator).
  ThresholdConfig config;
  rng.Fill(config.session.bytes);
  config.num_parties = 3;
  config.threshold = 2;
  std::vector<X25519KeyPair> identities;
  std::vector<X25519PublicKey> public_keys;
  for (int i = 0; i < 3; ++i) {
    identities.push_back(X25519KeyPair::Generate(rng));
    public_keys.push_back(identities.back().public_key());
  }
  std::vector<ThresholdHeParty> sites;
  for (uint32_t i = 0; i < 3; ++i) {
    sites.push_back(
        *ThresholdHeParty::Create(ctx, config, i + 1, std::move(identities[i]), public_keys));
  }
  std::printf("2. session %s..., 3 sites, threshold 2\n", config.session.ShortHex().c_str());

  // 3. Key generation, round 1: each site publishes a public key share and seals Shamir
  //    shares of its secret for each other site.
  std::vector<std::vector<uint8_t>> pk_shares, envelopes;
  for (auto& site : sites) {
    auto message = *site.StartKeyGeneration(rng);
    std::printf("3. site %u: public key share %zu bytes, %zu sealed share envelopes of %zu bytes\n",
                site.party_id(), message.public_key_share.size(), message.envelopes.size(),
                message.envelopes[0].size());
    pk_shares.push_back(std::move(message.public_key_share));
    for (auto& e : message.envelopes) envelopes.push_back(std::move(e));
  }
  // 4. Round 2: the coordinator routes envelopes by their (unencrypted) recipient; each
  //    site checks them and derives its key share and the collective key.
  for (auto& site : sites) {
    std::vector<std::vector<uint8_t>> mine;
    for (const auto& e : envelopes) {
      if (ReadKeyShareRouting(e)->to == site.party_id()) mine.push_back(e);
    }
    if (auto status = site.FinishKeyGeneration(pk_shares, mine); !status.ok()) {
      std::printf("key generation failed: %s\n", status.ToString().c_str());
      return 1;
    }
  }
  std::printf("4. collective public key ready (%zu bytes); no party holds its secret\n",
              sites[0].collective_key().Serialize().size());

  // 5. Each site encrypts its update for round 1 and uploads the blob.
  const std::vector<std::vector<uint32_t>> updates = {
      {1, 2, 3, 4}, {10, 20, 30, 40}, {100, 200, 300, 0xffffffffu}};
  std::vector<std::vector<uint8_t>> uploads;
  for (size_t i = 0; i < 3; ++i) {
    uploads.push_back(sites[i].Encrypt(updates[i], /*round=*/1, rng)->Serialize());
    std::printf("5. site %zu encrypts [%u, %u, %u, %u] -> %zu bytes\n", i + 1, updates[i][0],
                updates[i][1], updates[i][2], updates[i][3], uploads.back().size());
  }

  // 6. The coordinator loads (validates) and adds the ciphertexts. It sees only noise.
  const CiphertextExpectation expect{config.session, 1, 4};
  CiphertextVector aggregate = *CiphertextVector::Load(ctx, uploads[0], expect);
  for (size_t i = 1; i < 3; ++i) {
    if (auto status = aggregate.Add(*CiphertextVector::Load(ctx, uploads[i], expect));
        !status.ok()) {
      std::printf("aggregation failed: %s\n", status.ToString().c_str());
      return 1;
    }
  }
  std::printf("6. coordinator adds 3 ciphertexts (noise weight %llu)\n",
              static_cast<unsigned long long>(aggregate.noise_weight()));

  // 7. Sites 1 and 3 form the active set and return decryption shares.
  const std::vector<uint32_t> active = {1, 3};
  std::vector<DecryptionShare> shares;
  for (uint32_t id : active) {
    auto blob = *sites[id - 1].DecryptShare(aggregate, active, rng);
    shares.push_back(*DecryptionShare::Load(*ctx, blob, config.session, 1));
    std::printf("7. site %u sends a decryption share of %zu bytes\n", id, blob.size());
  }
  // One share alone is refused: t - 1 = 1 party cannot decrypt.
  auto refused = CombineDecryptionShares(aggregate, std::span(shares).first(1), 2);
  std::printf("8. combining 1 share: %s\n", refused.status().ToString().c_str());
  // Site 1 refuses to answer a second, different active set for the same round.
  auto second = sites[0].DecryptShare(aggregate, std::vector<uint32_t>{1, 2}, rng);
  std::printf("9. site 1 asked again with {1, 2}: %s\n", second.status().ToString().c_str());

  auto sum = CombineDecryptionShares(aggregate, shares, 2);
  if (!sum.ok()) {
    std::printf("decryption failed: %s\n", sum.status().ToString().c_str());
    return 1;
  }
  std::printf("10. decrypted sum (mod 2^32): [%u, %u, %u, %u]\n", (*sum)[0], (*sum)[1], (*sum)[2],
              (*sum)[3]);
  const bool correct = *sum == std::vector<uint32_t>{111, 222, 333, 43};
  std::printf("    expected [111, 222, 333, 43]: %s\n", correct ? "correct" : "WRONG");
  return correct ? 0 : 1;
}
