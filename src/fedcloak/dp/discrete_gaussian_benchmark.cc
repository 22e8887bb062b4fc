// Throughput of the constant-time discrete Gaussian sampler and of the site-side
// distributed discrete Gaussian encoding (single thread, Prg as randomness).
#include <array>
#include <vector>

#include "benchmark/benchmark.h"
#include "fedcloak/base/check.h"
#include "fedcloak/base/prg.h"
#include "fedcloak/dp/discrete_gaussian.h"
#include "fedcloak/dp/distributed_dgauss.h"

namespace fedcloak::dp {
namespace {

void BM_DiscreteGaussian1M(benchmark::State& state) {
  const double sigma = static_cast<double>(state.range(0));
  auto sampler = DiscreteGaussianSampler::Create(sigma);
  FEDCLOAK_CHECK(sampler.ok());
  std::array<uint8_t, 32> seed{};
  Prg rng(seed, "dp.bench");
  std::vector<int64_t> out(1 << 20);
  for (auto _ : state) {
    sampler->Sample(rng, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * (1 << 20));
}
BENCHMARK(BM_DiscreteGaussian1M)
    ->Arg(1)
    ->Arg(10)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);

void BM_EncodeSiteUpdate1M(benchmark::State& state) {
  DistributedDGaussParams p;
  p.dimension = 1'000'000;
  p.l2_clip = 1.0;
  p.noise_multiplier = 1.0;
  p.expected_sites = 100;
  p.max_sites = 100;
  p.rotate = state.range(0) != 0;
  auto scale = DistributedDGauss::MaxScale(p);
  FEDCLOAK_CHECK(scale.ok());
  p.scale = *scale;
  auto mech = DistributedDGauss::Create(p);
  FEDCLOAK_CHECK(mech.ok());
  std::array<uint8_t, 32> seed{};
  Prg rng(seed, "dp.bench.encode");
  std::vector<double> update(p.dimension, 1e-4);
  for (auto _ : state) {
    auto enc = mech->EncodeSiteUpdate(update, seed, rng);
    FEDCLOAK_CHECK(enc.ok());
    benchmark::DoNotOptimize(enc->data());
  }
}
BENCHMARK(BM_EncodeSiteUpdate1M)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace fedcloak::dp
