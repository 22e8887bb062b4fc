#include "fedcloak/crypto/rlwe/rlwe_context.h"

#include <fmt/format.h>

#include <string>

#include "fedcloak/base/prg.h"
#include "fedcloak/base/status.h"
#include "fedcloak/crypto/rlwe/ntt_avx512.h"
#include "fedcloak/crypto/rlwe/rlwe_kernels_avx512.h"

namespace fedcloak::crypto {

absl::StatusOr<std::shared_ptr<const RlweContext>> RlweContext::Create(
    const RlweParameters& params) {
  std::shared_ptr<RlweContext> ctx(new RlweContext(params));
  const int k = params.plaintext_bits();
  const uint64_t t_mask = (uint64_t{1} << k) - 1;
  uint64_t q_mod_t = 1;
  for (uint64_t p : params.primes()) {
    FEDCLOAK_ASSIGN_OR_RETURN(Modulus q, Modulus::Create(p));
    FEDCLOAK_ASSIGN_OR_RETURN(NttTables tables, NttTables::Create(params.ring_degree(), q));
    ctx->moduli_.push_back(q);
    ctx->ntt_.push_back(std::move(tables));
    q_mod_t = (q_mod_t * p) & t_mask;
  }
  ctx->q_mod_t_ = q_mod_t;
  ctx->fixed_point_mask_ = k == 32 ? ~uint64_t{0} : (uint64_t{1} << (k + 32)) - 1;
  for (size_t i = 0; i < ctx->moduli_.size(); ++i) {
    const Modulus& q = ctx->moduli_[i];
    const uint64_t p = q.value();
    // delta * t = q - r = -r mod q_i.
    const uint64_t t_inv = q.Inverse(q.Reduce(uint64_t{1} << k));
    const uint64_t delta = q.Mul(q.Negate(q.Reduce(q_mod_t)), t_inv);
    ctx->delta_.push_back(delta);
    ctx->delta_shoup_.push_back(ShoupPrecompute(delta, p));
    uint64_t punctured = 1;
    for (size_t j = 0; j < ctx->moduli_.size(); ++j) {
      if (j != i) punctured = q.Mul(punctured, q.Reduce(ctx->moduli_[j].value()));
    }
    const uint64_t inverse = q.Inverse(punctured);
    ctx->crt_inverse_.push_back(inverse);
    ctx->crt_inverse_shoup_.push_back(ShoupPrecompute(inverse, p));
    const uint128_t numerator = uint128_t{1} << (64 + k);
    const uint128_t w_hi = numerator / p;
    const uint128_t remainder = numerator % p;
    ctx->w_hi_.push_back(static_cast<uint64_t>(w_hi));
    ctx->w_lo_.push_back(static_cast<uint64_t>((remainder << 64) / p));
  }
  return std::shared_ptr<const RlweContext>(std::move(ctx));
}

void RlweContext::ForwardNtt(uint64_t* poly) const {
  for (size_t i = 0; i < ntt_.size(); ++i) ntt_[i].Forward(poly + i * n());
}

void RlweContext::InverseNtt(uint64_t* poly) const {
  for (size_t i = 0; i < ntt_.size(); ++i) ntt_[i].Inverse(poly + i * n());
}

void RlweContext::AddScaledPlaintext(std::span<const uint32_t> m, uint64_t* poly) const {
  const int k = params_.plaintext_bits();
  const uint64_t half_t = uint64_t{1} << (k - 1);
  for (size_t i = 0; i < moduli_.size(); ++i) {
    const Modulus& q = moduli_[i];
    const uint64_t p = q.value();
    const uint64_t delta = delta_[i];
    const uint64_t delta_shoup = delta_shoup_[i];
    uint64_t* limb = poly + i * n();
    size_t j = 0;
    if (internal::Avx512Supported()) {
      j = m.size() - m.size() % 8;
      internal::AddScaledPlaintextAvx512(m.data(), j, p, delta, delta_shoup, q_mod_t_, k, limb);
    }
    for (; j < m.size(); ++j) {
      const uint64_t value = m[j];
      const uint64_t correction = static_cast<uint64_t>(
          (static_cast<uint128_t>(q_mod_t_) * value + half_t) >> k);  // < t < q_i
      const uint64_t scaled = q.ReduceOnce(MulShoupLazy(value, delta, delta_shoup, p));
      limb[j] = q.ReduceOnce(limb[j] + q.ReduceOnce(scaled + correction));
    }
  }
}

void RlweContext::ToFixedPoint(const uint64_t* poly, uint64_t* out) const {
  const size_t count = n();
  const size_t limbs = moduli_.size();
  if (limbs == 2) {
    // The common case, unrolled: two primes.
    const uint64_t p0 = moduli_[0].value(), p1 = moduli_[1].value();
    const uint64_t c0 = crt_inverse_[0], c0s = crt_inverse_shoup_[0];
    const uint64_t c1 = crt_inverse_[1], c1s = crt_inverse_shoup_[1];
    const uint64_t h0 = w_hi_[0], l0 = w_lo_[0], h1 = w_hi_[1], l1 = w_lo_[1];
    const uint64_t* x0 = poly;
    const uint64_t* x1 = poly + count;
    if (count % 8 == 0 && internal::Avx512Supported()) {
      internal::ToFixedPointTwoPrimesAvx512(x0, x1, count, {p0, c0, c0s, h0, l0},
                                            {p1, c1, c1s, h1, l1}, fixed_point_mask_, out);
      return;
    }
    for (size_t j = 0; j < count; ++j) {
      const uint64_t y0 = moduli_[0].ReduceOnce(MulShoupLazy(x0[j], c0, c0s, p0));
      const uint64_t y1 = moduli_[1].ReduceOnce(MulShoupLazy(x1[j], c1, c1s, p1));
      const uint128_t s =
          static_cast<uint128_t>(y0) * h0 + ((static_cast<uint128_t>(y0) * l0) >> 64) +
          static_cast<uint128_t>(y1) * h1 + ((static_cast<uint128_t>(y1) * l1) >> 64);
      out[j] = static_cast<uint64_t>(s >> 32) & fixed_point_mask_;
    }
    return;
  }
  for (size_t j = 0; j < count; ++j) {
    uint128_t s = 0;
    for (size_t i = 0; i < limbs; ++i) {
      const uint64_t y = moduli_[i].ReduceOnce(MulShoupLazy(
          poly[i * count + j], crt_inverse_[i], crt_inverse_shoup_[i], moduli_[i].value()));
      s += static_cast<uint128_t>(y) * w_hi_[i] + ((static_cast<uint128_t>(y) * w_lo_[i]) >> 64);
    }
    out[j] = static_cast<uint64_t>(s >> 32) & fixed_point_mask_;
  }
}

std::vector<uint64_t> RlweContext::CommonPolynomial(const SessionId& session) const {
  Prg prg(session.bytes, fmt::format("fedcloak.rlwe.crs.a/{:016x}", parameter_id()));
  std::vector<uint64_t> a(poly_words());
  std::vector<uint64_t> buffer(n());
  for (size_t i = 0; i < moduli_.size(); ++i) {
    const uint64_t p = moduli_[i].value();
    const uint64_t mask = (uint64_t{1} << moduli_[i].bits()) - 1;
    size_t filled = 0;
    // Rejection sampling on public randomness: uniform mod p.
    while (filled < n()) {
      prg.FillU64(buffer);
      for (uint64_t r : buffer) {
        const uint64_t candidate = r & mask;
        if (candidate < p && filled < n()) a[i * n() + filled++] = candidate;
      }
    }
  }
  return a;
}

}  // namespace fedcloak::crypto
