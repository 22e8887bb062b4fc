// Micro-benchmarks: one negacyclic NTT of the default parameters, and the encryption of
// one ciphertext (4096 values) under a collective key.
#include <benchmark/benchmark.h>

#include <array>

#include "fedcloak/base/prg.h"
#include "fedcloak/crypto/rlwe/ciphertext_vector.h"
#include "fedcloak/crypto/rlwe/public_key.h"

namespace fedcloak::crypto {
namespace {

void BM_NttForward4096(benchmark::State& state) {
  auto ctx = *RlweContext::Create(RlweParameters::Default());
  std::vector<uint64_t> poly(ctx->n(), 12345);
  for (auto _ : state) {
    ctx->ntt(0).ForwardLazy(poly.data());  // outputs < 4q are valid inputs again
    benchmark::DoNotOptimize(poly.data());
  }
}
BENCHMARK(BM_NttForward4096);

// The portable reference transforms, for comparison with the dispatched ones above.
void BM_NttForward4096Scalar(benchmark::State& state) {
  auto ctx = *RlweContext::Create(RlweParameters::Default());
  std::vector<uint64_t> poly(ctx->n(), 12345);
  for (auto _ : state) {
    ctx->ntt(0).ForwardLazyScalar(poly.data());
    benchmark::DoNotOptimize(poly.data());
  }
}
BENCHMARK(BM_NttForward4096Scalar);

void BM_NttInverse4096Scalar(benchmark::State& state) {
  auto ctx = *RlweContext::Create(RlweParameters::Default());
  std::vector<uint64_t> poly(ctx->n(), 12345);
  for (auto _ : state) {
    ctx->ntt(0).InverseScalar(poly.data());
    benchmark::DoNotOptimize(poly.data());
  }
}
BENCHMARK(BM_NttInverse4096Scalar);

void BM_NttInverse4096(benchmark::State& state) {
  auto ctx = *RlweContext::Create(RlweParameters::Default());
  std::vector<uint64_t> poly(ctx->n(), 12345);
  for (auto _ : state) {
    ctx->ntt(0).Inverse(poly.data());
    benchmark::DoNotOptimize(poly.data());
  }
}
BENCHMARK(BM_NttInverse4096);

void BM_EncryptOneCiphertext(benchmark::State& state) {
  auto ctx = *RlweContext::Create(RlweParameters::Default());
  SessionId session;
  std::vector<uint64_t> p(ctx->poly_words(), 7);
  std::vector<PublicKeyShare> shares;
  shares.push_back(PublicKeyShare::FromPolynomial(ctx, session, 1, p));
  shares.push_back(PublicKeyShare::FromPolynomial(ctx, session, 2, p));
  auto key = *CollectivePublicKey::Aggregate(ctx, session, 2, shares);
  std::array<uint8_t, 32> seed{};
  Prg rng(seed, "bench");
  std::vector<uint32_t> values(ctx->n(), 3);
  CiphertextVector out;
  for (auto _ : state) {
    benchmark::DoNotOptimize(CiphertextVector::EncryptInto(key, values, 0, rng, &out));
  }
}
BENCHMARK(BM_EncryptOneCiphertext);

}  // namespace
}  // namespace fedcloak::crypto
