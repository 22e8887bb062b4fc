#include "bench/he_bench.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <ctime>
#include <vector>

#include "bench/median.h"
#include "fedcloak/base/prg.h"
#include "fedcloak/base/status.h"
#include "fedcloak/crypto/fixed_point.h"
#include "fedcloak/crypto/rlwe/ciphertext_vector.h"
#include "fedcloak/crypto/rlwe/decryption_share.h"
#include "fedcloak/crypto/rlwe/threshold_party.h"

namespace fedcloak::bench {
namespace {

using crypto::CiphertextVector;
using Clock = std::chrono::steady_clock;

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// CPU time of the calling thread: robust against other processes sharing the cores.
double ThreadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

Prg SeededPrg(uint64_t seed, std::string_view label) {
  std::array<uint8_t, 32> key{};
  for (int i = 0; i < 8; ++i) key[static_cast<size_t>(i)] = static_cast<uint8_t>(seed >> (8 * i));
  return Prg(key, label);
}

}  // namespace

absl::StatusOr<nlohmann::json> RunHeBenchmark(const HeBenchOptions& options) {
  if (options.params == 0 || options.params > CiphertextVector::kMaxValues ||
      options.threshold < 2 || options.threshold > options.sites || options.sites > 1024 ||
      options.repetitions < 1) {
    return absl::InvalidArgumentError(
        fmt::format("bench he: params {} sites {} threshold {} repetitions {} out of range",
                    options.params, options.sites, options.threshold, options.repetitions));
  }
  const auto n_sites = static_cast<uint32_t>(options.sites);
  const auto t = static_cast<uint32_t>(options.threshold);
  const crypto::RlweParameters params = crypto::RlweParameters::Default();
  FEDCLOAK_ASSIGN_OR_RETURN(auto ctx, crypto::RlweContext::Create(params));
  Prg rng = SeededPrg(options.seed, "bench.he");
  crypto::ThresholdConfig config;
  config.session.bytes.fill(0x5a);
  config.num_parties = n_sites;
  config.threshold = t;

  // Key generation among all sites (not timed).
  std::vector<crypto::X25519PublicKey> keys;
  std::vector<crypto::X25519KeyPair> identities;
  for (uint32_t i = 0; i < n_sites; ++i) {
    identities.push_back(crypto::X25519KeyPair::Generate(rng));
    keys.push_back(identities.back().public_key());
  }
  std::vector<crypto::ThresholdHeParty> parties;
  for (uint32_t i = 0; i < n_sites; ++i) {
    FEDCLOAK_ASSIGN_OR_RETURN(auto party, crypto::ThresholdHeParty::Create(
                                              ctx, config, i + 1, std::move(identities[i]), keys));
    parties.push_back(std::move(party));
  }
  std::vector<std::vector<uint8_t>> pk_shares, envelopes;
  for (auto& party : parties) {
    FEDCLOAK_ASSIGN_OR_RETURN(auto message, party.StartKeyGeneration(rng));
    pk_shares.push_back(std::move(message.public_key_share));
    for (auto& e : message.envelopes) envelopes.push_back(std::move(e));
  }
  for (auto& party : parties) {
    std::vector<std::vector<uint8_t>> mine;
    for (const auto& e : envelopes) {
      FEDCLOAK_ASSIGN_OR_RETURN(auto routing, crypto::ReadKeyShareRouting(e));
      if (routing.to == party.party_id()) mine.push_back(e);
    }
    FEDCLOAK_RETURN_IF_ERROR(party.FinishKeyGeneration(pk_shares, mine));
  }

  // Site updates: floats in [-1, 1].
  FEDCLOAK_ASSIGN_OR_RETURN(auto codec, crypto::FixedPointCodec::Create(1.0, 1 << 16, 1024));
  std::vector<std::vector<float>> updates(n_sites, std::vector<float>(options.params));
  for (auto& u : updates) {
    std::vector<uint32_t> raw(options.params);
    rng.FillU32(raw);
    for (size_t j = 0; j < u.size(); ++j) u[j] = static_cast<float>(raw[j]) / 2147483648.0f - 1.0f;
  }

  std::vector<double> encrypt_ms, load_ms, aggregate_ms, decrypt_ms, combine_ms, plain_ms;
  std::vector<double> encrypt_cpu, load_cpu, aggregate_cpu, decrypt_cpu, combine_cpu;
  std::vector<uint32_t> encoded(options.params);
  CiphertextVector encrypted, loaded, aggregate;
  std::vector<std::vector<uint8_t>> wires(n_sites), share_blobs(n_sites);
  std::vector<uint32_t> plain;
  size_t wire_bytes = 0;
  for (int rep = 0; rep < options.repetitions; ++rep) {
    const uint64_t round = static_cast<uint64_t>(rep) + 1;
    const crypto::CiphertextExpectation expect{config.session, round, options.params};
    std::vector<uint32_t> expected_sum(options.params, 0);
    // Sites: encode + encrypt + serialize (site 0 timed; buffers reused across rounds).
    for (uint32_t i = 0; i < n_sites; ++i) {
      const double cpu_start = ThreadCpuMs();
      const auto start = Clock::now();
      codec.Encode(updates[i], 1, rng, encoded);
      FEDCLOAK_RETURN_IF_ERROR(CiphertextVector::EncryptInto(parties[i].collective_key(), encoded,
                                                             round, rng, &encrypted));
      encrypted.Serialize(&wires[i]);
      const auto stop = Clock::now();
      if (i == 0) {
        encrypt_ms.push_back(Ms(start, stop));
        encrypt_cpu.push_back(ThreadCpuMs() - cpu_start);
      }
      for (size_t j = 0; j < encoded.size(); ++j) expected_sum[j] += encoded[j];
    }
    wire_bytes = wires[0].size();
    // Coordinator: load and add each site's upload.
    double load_total = 0, add_total = 0, load_cpu_total = 0, add_cpu_total = 0;
    for (uint32_t i = 0; i < n_sites; ++i) {
      const double cpu_start = ThreadCpuMs();
      const auto start = Clock::now();
      FEDCLOAK_RETURN_IF_ERROR(
          CiphertextVector::LoadInto(ctx, wires[i], expect, i == 0 ? &aggregate : &loaded));
      const auto mid = Clock::now();
      const double cpu_mid = ThreadCpuMs();
      if (i > 0) FEDCLOAK_RETURN_IF_ERROR(aggregate.Add(loaded));
      const auto stop = Clock::now();
      load_total += Ms(start, mid);
      load_cpu_total += cpu_mid - cpu_start;
      if (i > 0) {
        add_total += Ms(mid, stop);
        add_cpu_total += ThreadCpuMs() - cpu_mid;
      }
    }
    load_ms.push_back(load_total / n_sites);
    aggregate_ms.push_back(add_total / (n_sites - 1));
    load_cpu.push_back(load_cpu_total / n_sites);
    aggregate_cpu.push_back(add_cpu_total / (n_sites - 1));
    // Decryption by the first t sites.
    std::vector<uint32_t> set(t);
    for (uint32_t i = 0; i < t; ++i) set[i] = i + 1;
    std::vector<crypto::DecryptionShare> shares;
    for (uint32_t i = 0; i < t; ++i) {
      std::vector<uint8_t>& blob = share_blobs[i];  // kept across rounds, like `wires`
      const double cpu_start = ThreadCpuMs();
      const auto start = Clock::now();
      FEDCLOAK_RETURN_IF_ERROR(parties[i].DecryptShareInto(aggregate, set, rng, &blob));
      const auto stop = Clock::now();
      if (i == 0) {
        decrypt_ms.push_back(Ms(start, stop));
        decrypt_cpu.push_back(ThreadCpuMs() - cpu_start);
      }
      FEDCLOAK_ASSIGN_OR_RETURN(auto share,
                                crypto::DecryptionShare::Load(*ctx, blob, config.session, round));
      shares.push_back(std::move(share));
    }
    const double cpu_start = ThreadCpuMs();
    const auto start = Clock::now();
    FEDCLOAK_RETURN_IF_ERROR(crypto::CombineDecryptionSharesInto(aggregate, shares, t, &plain));
    combine_ms.push_back(Ms(start, Clock::now()));
    combine_cpu.push_back(ThreadCpuMs() - cpu_start);
    if (plain != expected_sum)
      return absl::InternalError("decrypted sum differs from the plain sum");
    // Plaintext baseline: add one site's float32 update.
    std::vector<float> plain_sum(options.params, 0.0f);
    double plain_total = 0;
    for (uint32_t i = 0; i < n_sites; ++i) {
      const auto s = Clock::now();
      const float* u = updates[i].data();
      for (size_t j = 0; j < plain_sum.size(); ++j) plain_sum[j] += u[j];
      plain_total += Ms(s, Clock::now());
    }
    plain_ms.push_back(plain_total / n_sites + 0.0 * static_cast<double>(plain_sum[0]));
  }
  nlohmann::json out;
  out["encrypt_ms"] = Median(encrypt_ms);
  out["load_ms_per_site"] = Median(load_ms);
  out["aggregate_ms_per_site"] = Median(aggregate_ms);
  out["decrypt_share_ms"] = Median(decrypt_ms);
  out["combine_ms"] = Median(combine_ms);
  out["bytes_per_param"] = static_cast<double>(wire_bytes) / static_cast<double>(options.params);
  out["plain_sum_ms_per_site"] = Median(plain_ms);
  out["threads"] = 1;
  out["simd"] = ctx->ntt(0).vectorized() ? "avx512" : "scalar";
  out["params"] = options.params;
  out["sites"] = options.sites;
  out["threshold"] = options.threshold;
  out["repetitions"] = options.repetitions;
  out["N"] = params.ring_degree();
  out["log2_q"] = params.log2_q();
  out["coeff_modulus_bits"] = params.coeff_modulus_bits();
  out["plaintext_bits"] = params.plaintext_bits();
  out["flooding_bits"] = params.noise().flooding_bits;
  out["noise_margin_bits"] = params.noise().margin_bits;
  out["parameter_id"] = fmt::format("{:#018x}", params.id());
  // The same medians in CPU time of the benchmark thread (robust under machine load).
  out["encrypt_cpu_ms"] = Median(encrypt_cpu);
  out["load_cpu_ms_per_site"] = Median(load_cpu);
  out["aggregate_cpu_ms_per_site"] = Median(aggregate_cpu);
  out["decrypt_share_cpu_ms"] = Median(decrypt_cpu);
  out["combine_cpu_ms"] = Median(combine_cpu);
  out["encrypt_ms_first_round"] = encrypt_ms.front();
  out["load_ms_first_round"] = load_ms.front();
  return out;
}

}  // namespace fedcloak::bench
