#include "bench/secagg_bench.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <memory>
#include <set>
#include <vector>

#include "absl/status/status.h"
#include "bench/median.h"
#include "fedcloak/base/prg.h"
#include "fedcloak/base/status.h"
#include "fedcloak/crypto/ed25519.h"
#include "fedcloak/crypto/fixed_point.h"
#include "fedcloak/secagg/client.h"
#include "fedcloak/secagg/parameters.h"
#include "fedcloak/secagg/server.h"
#include "fmt/format.h"

namespace fedcloak::bench {
namespace {

// Wall-clock and thread CPU time: on a shared, loaded machine the CPU time shows what
// the code costs when it is not preempted.
struct Stamp {
  std::chrono::steady_clock::time_point wall;
  double cpu_ms;
};

Stamp Now() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return Stamp{std::chrono::steady_clock::now(),
               static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6};
}

struct Elapsed {
  double wall_ms = 0;
  double cpu_ms = 0;
  Elapsed& operator+=(const Elapsed& o) {
    wall_ms += o.wall_ms;
    cpu_ms += o.cpu_ms;
    return *this;
  }
};

Elapsed Since(const Stamp& a) {
  const Stamp b = Now();
  return Elapsed{std::chrono::duration<double, std::milli>(b.wall - a.wall).count(),
                 b.cpu_ms - a.cpu_ms};
}

Prg SeededPrg(uint64_t seed, uint64_t index, std::string_view label) {
  std::array<uint8_t, 32> key{};
  std::memcpy(key.data(), &seed, sizeof(seed));
  std::memcpy(key.data() + 8, &index, sizeof(index));
  return Prg(key, label);
}

struct RoundTimes {
  std::vector<Elapsed> quantize;
  std::vector<Elapsed> mask;
  Elapsed server;
  size_t upload_bytes = 0;  // site 1's uploads
};

absl::StatusOr<RoundTimes> RunRound(const secagg::SecAggParameters& params,
                                    const crypto::FixedPointCodec& codec,
                                    std::vector<crypto::Ed25519KeyPair>& identities,
                                    const std::vector<crypto::Ed25519PublicKey>& identity_keys,
                                    const std::set<uint32_t>& dropped, uint64_t seed,
                                    uint64_t round) {
  const uint32_t n = params.num_sites();
  RoundTimes times;
  std::vector<std::unique_ptr<Prg>> rngs;
  std::vector<std::unique_ptr<secagg::SecAggClient>> clients(n + 1);
  FEDCLOAK_ASSIGN_OR_RETURN(secagg::SecAggServer server,
                            secagg::SecAggServer::Create(params, round, identity_keys));
  for (uint32_t i = 1; i <= n; ++i) {
    rngs.push_back(std::make_unique<Prg>(SeededPrg(seed + round, i, "secagg_bench.site")));
    FEDCLOAK_ASSIGN_OR_RETURN(
        secagg::SecAggClient c,
        secagg::SecAggClient::Create(params, round, i, identity_keys, *rngs.back()));
    clients[i] = std::make_unique<secagg::SecAggClient>(std::move(c));
    FEDCLOAK_ASSIGN_OR_RETURN(auto blob, clients[i]->AdvertiseKeys(identities[i - 1]));
    if (i == 1) times.upload_bytes += blob.size();
    FEDCLOAK_RETURN_IF_ERROR(server.AddAdvertisement(i, blob));
  }
  FEDCLOAK_ASSIGN_OR_RETURN(auto directory, server.FinishAdvertising());
  for (uint32_t i = 1; i <= n; ++i) {
    FEDCLOAK_ASSIGN_OR_RETURN(auto blob, clients[i]->ShareKeys(directory.at(i)));
    if (i == 1) times.upload_bytes += blob.size();
    FEDCLOAK_RETURN_IF_ERROR(server.AddShareKeys(i, blob));
  }
  FEDCLOAK_ASSIGN_OR_RETURN(auto inbox, server.FinishSharing());

  // Each surviving site quantizes its update and masks it; the coordinator accumulates.
  const size_t length = params.vector_length();
  std::vector<float> update(length);
  std::vector<uint32_t> encoded(length);
  std::vector<uint32_t> expected(length, 0);
  uint32_t expected_weight = 0;
  Prg data = SeededPrg(seed + round, 0, "secagg_bench.data");
  for (uint32_t i = 1; i <= n; ++i) {
    if (dropped.contains(i)) continue;
    std::vector<uint32_t> raw(length);
    data.FillU32(raw);
    for (size_t j = 0; j < length; ++j) {
      update[j] = static_cast<float>(static_cast<int32_t>(raw[j])) * 0x1p-31f * 0.2f;
    }
    const uint32_t weight = 1 + i % 50;
    const Stamp t0 = Now();
    codec.Encode(update, weight, *rngs[i - 1], encoded);
    times.quantize.push_back(Since(t0));
    const Stamp t1 = Now();
    FEDCLOAK_ASSIGN_OR_RETURN(auto blob, clients[i]->MaskInput(inbox.at(i), encoded, weight));
    times.mask.push_back(Since(t1));
    if (i == 1) times.upload_bytes += blob.size();
    for (size_t j = 0; j < length; ++j) expected[j] += encoded[j];
    expected_weight += weight;
    const Stamp s0 = Now();
    FEDCLOAK_RETURN_IF_ERROR(server.AddMaskedInput(i, blob));
    times.server += Since(s0);
  }
  Stamp s0 = Now();
  FEDCLOAK_ASSIGN_OR_RETURN(auto requests, server.FinishMasking());
  times.server += Since(s0);
  for (const auto& [i, request] : requests) {
    FEDCLOAK_ASSIGN_OR_RETURN(auto blob, clients[i]->Unmask(request));
    if (i == 1) times.upload_bytes += blob.size();
    s0 = Now();
    FEDCLOAK_RETURN_IF_ERROR(server.AddUnmaskingResponse(i, blob));
    times.server += Since(s0);
  }
  s0 = Now();
  FEDCLOAK_ASSIGN_OR_RETURN(secagg::SecAggResult result, server.Finish());
  times.server += Since(s0);
  if (result.sum != expected || result.total_weight != expected_weight) {
    return absl::InternalError("SecAgg+ benchmark: the unmasked sum differs from the plain sum");
  }
  return times;
}

}  // namespace

absl::StatusOr<nlohmann::json> RunSecAggBenchmark(const SecAggBenchOptions& options) {
  if (options.params < 1 || options.params > secagg::kMaxVectorLength || options.sites < 3 ||
      options.sites > 1000 || !(options.dropout >= 0 && options.dropout <= 0.45) ||
      options.repetitions < 1 || options.neighbours < 0 || options.threshold < 0) {
    return absl::InvalidArgumentError(fmt::format(
        "secagg benchmark options out of range: params {} (1..2^28), sites {} (3..1000), "
        "dropout {} ([0, 0.45]), repetitions {} (>= 1)",
        options.params, options.sites, options.dropout, options.repetitions));
  }
  const auto n = static_cast<uint32_t>(options.sites);
  absl::StatusOr<secagg::SecAggParameters> params =
      options.neighbours > 0
          ? secagg::SecAggParameters::Create(n, static_cast<uint32_t>(options.neighbours),
                                             static_cast<uint32_t>(options.threshold),
                                             options.params)
          : secagg::SecAggParameters::Derive(
                n, options.params, secagg::ThreatModel{options.adversarial_rate, options.dropout});
  if (!params.ok()) return params.status();
  // Values in [-0.2, 0.2], clip 0.25, weights up to 50 per site.
  FEDCLOAK_ASSIGN_OR_RETURN(crypto::FixedPointCodec codec,
                            crypto::FixedPointCodec::Create(0.25, 65536.0, 50 * uint64_t{n}));

  Prg id_rng = SeededPrg(options.seed, 0, "secagg_bench.identities");
  std::vector<crypto::Ed25519KeyPair> identities;
  std::vector<crypto::Ed25519PublicKey> identity_keys;
  for (uint32_t i = 0; i < n; ++i) {
    identities.push_back(crypto::Ed25519KeyPair::Generate(id_rng));
    identity_keys.push_back(identities.back().public_key());
  }
  // round(dropout * n) sites, chosen from the seed, drop after sharing keys.
  const auto drop_count = static_cast<size_t>(std::llround(options.dropout * n));
  std::set<uint32_t> dropped;
  Prg pick = SeededPrg(options.seed, 1, "secagg_bench.dropouts");
  while (dropped.size() < drop_count)
    dropped.insert(1 + static_cast<uint32_t>(pick.UniformBelow(n)));
  dropped.erase(1);  // site 1's uploads are measured
  if (dropped.size() < drop_count) {
    while (dropped.size() < drop_count)
      dropped.insert(2 + static_cast<uint32_t>(pick.UniformBelow(n - 1)));
  }

  std::vector<double> quantize, mask, total, server, total_cpu, mask_cpu, server_cpu;
  size_t upload_bytes = 0;
  for (int r = 0; r < options.repetitions; ++r) {
    FEDCLOAK_ASSIGN_OR_RETURN(
        RoundTimes t, RunRound(*params, codec, identities, identity_keys, dropped, options.seed,
                               static_cast<uint64_t>(r + 1)));
    for (size_t i = 0; i < t.mask.size(); ++i) {
      quantize.push_back(t.quantize[i].wall_ms);
      mask.push_back(t.mask[i].wall_ms);
      total.push_back(t.quantize[i].wall_ms + t.mask[i].wall_ms);
      mask_cpu.push_back(t.mask[i].cpu_ms);
      total_cpu.push_back(t.quantize[i].cpu_ms + t.mask[i].cpu_ms);
    }
    server.push_back(t.server.wall_ms);
    server_cpu.push_back(t.server.cpu_ms);
    upload_bytes = t.upload_bytes;
  }
  nlohmann::json out;
  out["client_mask_ms"] = Median(total);
  out["client_quantize_ms"] = Median(quantize);
  out["client_mask_only_ms"] = Median(mask);
  out["server_unmask_ms"] = Median(server);
  out["client_mask_cpu_ms"] = Median(total_cpu);
  out["client_mask_only_cpu_ms"] = Median(mask_cpu);
  out["server_unmask_cpu_ms"] = Median(server_cpu);
  out["bytes_per_param"] = static_cast<double>(upload_bytes) / static_cast<double>(options.params);
  out["neighbours"] = params->neighbours();
  out["threshold"] = params->threshold();
  out["sites"] = options.sites;
  out["params"] = options.params;
  out["dropout"] = options.dropout;
  out["dropped_sites"] = dropped.size();
  out["repetitions"] = options.repetitions;
  out["threads"] = 1;
  return out;
}

}  // namespace fedcloak::bench
