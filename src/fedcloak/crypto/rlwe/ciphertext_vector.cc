#include "fedcloak/crypto/rlwe/ciphertext_vector.h"

#include <fmt/format.h>

#include <array>
#include <cstring>

#include "fedcloak/base/bytes.h"
#include "fedcloak/base/check.h"
#include "fedcloak/base/prg.h"
#include "fedcloak/base/secret.h"
#include "fedcloak/base/status.h"
#include "fedcloak/crypto/rlwe/bit_packing.h"
#include "fedcloak/crypto/rlwe/ntt_avx512.h"
#include "fedcloak/crypto/rlwe/rlwe_kernels_avx512.h"
#include "fedcloak/crypto/rlwe/rlwe_serialization.h"
#include "fedcloak/crypto/rlwe/sampler.h"

namespace fedcloak::crypto {
namespace {

constexpr size_t kPayloadPrefix = 16;  // num_values u64, noise_weight u64

}  // namespace

void CiphertextVector::Reset(std::shared_ptr<const RlweContext> ctx, const SessionId& session,
                             uint64_t round, uint64_t num_values, uint64_t noise_weight) {
  ctx_ = std::move(ctx);
  session_ = session;
  round_ = round;
  num_values_ = num_values;
  num_ciphertexts_ = static_cast<size_t>((num_values + ctx_->n() - 1) / ctx_->n());
  noise_weight_ = noise_weight;
  data_.resize(num_ciphertexts_ * 2 * ctx_->poly_words());
}

absl::StatusOr<CiphertextVector> CiphertextVector::Encrypt(const CollectivePublicKey& key,
                                                           std::span<const uint32_t> values,
                                                           uint64_t round, SecureRandom& rng) {
  CiphertextVector out;
  FEDCLOAK_RETURN_IF_ERROR(EncryptInto(key, values, round, rng, &out));
  return out;
}

absl::Status CiphertextVector::EncryptInto(const CollectivePublicKey& key,
                                           std::span<const uint32_t> values, uint64_t round,
                                           SecureRandom& rng, CiphertextVector* out) {
  const RlweContext& ctx = key.context();
  if (values.empty() || values.size() > kMaxValues) {
    return absl::InvalidArgumentError(
        fmt::format("cannot encrypt {} values (1 to {} allowed)", values.size(), kMaxValues));
  }
  if (ctx.parameters().plaintext_bits() < 32) {
    const uint64_t t = ctx.plaintext_modulus();
    for (size_t j = 0; j < values.size(); ++j) {
      if (values[j] >= t) {
        return absl::InvalidArgumentError(fmt::format(
            "value {} at index {} is not below the plaintext modulus {}", values[j], j, t));
      }
    }
  }
  out->Reset(key.shared_context(), key.session(), round, values.size(), 1);
  const size_t n = ctx.n();
  const size_t words = ctx.poly_words();
  SecretBytes seed(Prg::kSeedSize);
  rng.Fill(seed.span());
  Prg prg(std::span<const uint8_t, Prg::kSeedSize>(seed.data(), Prg::kSeedSize),
          "fedcloak.rlwe.encrypt");
  SecretVector<int64_t> scratch(n);
  SecretVector<uint64_t> u(words);
  SecretVector<uint64_t> e1(words);
  const std::vector<uint64_t>& p = key.p();
  const std::vector<uint64_t>& p_shoup = key.p_shoup();
  const std::vector<uint64_t>& a = key.a();
  const std::vector<uint64_t>& a_shoup = key.a_shoup();
  // The vector kernels give bit-identical results to the scalar loops below.
  const bool vectorized = n % 8 == 0 && internal::Avx512Supported();
  for (size_t k = 0; k < out->num_ciphertexts_; ++k) {
    uint64_t* c0 = out->data_.data() + 2 * k * words;
    uint64_t* c1 = c0 + words;
    // u ternary, e0 and e1 centered binomial; c0 = p*u + e0 + round(q m / t),
    // c1 = a*u + e1.
    SampleTernaryRns(ctx, prg, scratch.span(), u.data());
    SampleCenteredBinomialRns(ctx, prg, scratch.span(), e1.data());
    for (size_t i = 0; i < ctx.num_primes(); ++i) {
      const NttTables& ntt = ctx.ntt(i);
      const Modulus& q = ctx.modulus(i);
      const uint64_t prime = q.value();
      const size_t off = i * n;
      ntt.ForwardLazy(u.data() + off);
      ntt.Forward(e1.data() + off);
      if (vectorized) {
        internal::MulShoupLazyAvx512(u.data() + off, p.data() + off, p_shoup.data() + off, prime, n,
                                     c0 + off);
        internal::MulShoupAddAvx512(u.data() + off, a.data() + off, a_shoup.data() + off, prime,
                                    e1.data() + off, n, c1 + off);
      } else {
        for (size_t j = off; j < off + n; ++j) {
          c0[j] = MulShoupLazy(u[j], p[j], p_shoup[j], prime);  // [0, 2q)
          c1[j] = q.ReduceOnce(q.ReduceOnce(MulShoupLazy(u[j], a[j], a_shoup[j], prime)) + e1[j]);
        }
      }
      ntt.Inverse(c0 + off);
    }
    // e0 (reusing the e1 buffer) and the scaled plaintext.
    SampleCenteredBinomial(prg, scratch.span());
    for (size_t i = 0; i < ctx.num_primes(); ++i) {
      const Modulus& q = ctx.modulus(i);
      const uint64_t prime = q.value();
      uint64_t* limb = c0 + i * n;
      if (vectorized) {
        internal::AddSmallAvx512(scratch.data(), n, prime, limb);
        continue;
      }
      for (size_t j = 0; j < n; ++j) {
        limb[j] = q.ReduceOnce(limb[j] + q.ReduceOnce(static_cast<uint64_t>(scratch[j]) + prime));
      }
    }
    const size_t begin = k * n;
    const size_t count = std::min(n, values.size() - begin);
    ctx.AddScaledPlaintext(values.subspan(begin, count), c0);
  }
  return absl::OkStatus();
}

absl::Status CiphertextVector::CheckCompatible(const CiphertextVector& other) const {
  if (empty() || other.empty()) return absl::InvalidArgumentError("empty ciphertext vector");
  if (parameter_id() != other.parameter_id()) {
    return absl::InvalidArgumentError(fmt::format(
        "ciphertext parameter id {:#x} differs from {:#x}", other.parameter_id(), parameter_id()));
  }
  if (!(session_ == other.session_)) {
    return absl::InvalidArgumentError(fmt::format("ciphertext session {}... differs from {}...",
                                                  other.session_.ShortHex(), session_.ShortHex()));
  }
  if (round_ != other.round_) {
    return absl::InvalidArgumentError(
        fmt::format("ciphertext round {} differs from {}", other.round_, round_));
  }
  if (num_values_ != other.num_values_) {
    return absl::InvalidArgumentError(
        fmt::format("ciphertext vector of {} values cannot be added to one of {}",
                    other.num_values_, num_values_));
  }
  return absl::OkStatus();
}

absl::Status CiphertextVector::Add(const CiphertextVector& other) {
  FEDCLOAK_RETURN_IF_ERROR(CheckCompatible(other));
  const uint64_t max_weight = ctx_->parameters().max_noise_weight();
  if (other.noise_weight_ > max_weight - noise_weight_) {
    return absl::FailedPreconditionError(
        fmt::format("sum would have noise weight {} + {}, above the {} the parameters allow",
                    noise_weight_, other.noise_weight_, max_weight));
  }
  noise_weight_ += other.noise_weight_;
  const size_t n = ctx_->n();
  const size_t blocks = data_.size() / n;
  const size_t limbs = ctx_->num_primes();
  for (size_t b = 0; b < blocks; ++b) {
    const uint64_t q = ctx_->modulus(b % limbs).value();
    uint64_t* x = data_.data() + b * n;
    const uint64_t* y = other.data_.data() + b * n;
    for (size_t j = 0; j < n; ++j) {
      const uint64_t s = x[j] + y[j] - q;
      x[j] = s + (q & (0 - (s >> 63)));
    }
  }
  return absl::OkStatus();
}

absl::Status CiphertextVector::MultiplyByScalar(uint32_t w) {
  if (empty()) return absl::InvalidArgumentError("empty ciphertext vector");
  if (w == 0 || w >= ctx_->plaintext_modulus()) {
    return absl::InvalidArgumentError(
        fmt::format("scalar {} is outside [1, {})", w, ctx_->plaintext_modulus()));
  }
  const uint64_t max_weight = ctx_->parameters().max_noise_weight();
  const uint128_t weight = static_cast<uint128_t>(noise_weight_) * w * w;
  if (weight > max_weight) {
    return absl::FailedPreconditionError(fmt::format(
        "multiplying by {} would raise the noise weight {} above the {} the parameters allow", w,
        noise_weight_, max_weight));
  }
  noise_weight_ = static_cast<uint64_t>(weight);
  const size_t n = ctx_->n();
  const size_t blocks = data_.size() / n;
  const size_t limbs = ctx_->num_primes();
  for (size_t b = 0; b < blocks; ++b) {
    const Modulus& q = ctx_->modulus(b % limbs);
    const uint64_t ws = ShoupPrecompute(w, q.value());
    uint64_t* x = data_.data() + b * n;
    for (size_t j = 0; j < n; ++j) x[j] = q.ReduceOnce(MulShoupLazy(x[j], w, ws, q.value()));
  }
  return absl::OkStatus();
}

size_t CiphertextVector::SerializedSize() const {
  return kBlobHeaderSize + kPayloadPrefix + num_ciphertexts_ * 2 * internal::PackedPolySize(*ctx_);
}

void CiphertextVector::Serialize(std::vector<uint8_t>* out) const {
  FEDCLOAK_CHECK(!empty(), "serializing an empty ciphertext vector");
  const size_t total = SerializedSize();
  // Every byte is overwritten below, so a buffer of the right size from an earlier call
  // is reused as is (no zero fill, no fresh pages: 27 MB per million values).
  if (out->size() != total) {
    out->clear();
    out->resize(total);
  }
  BlobHeader header;
  header.kind = kRlweCiphertextVectorKind;
  header.parameter_id = parameter_id();
  header.round = round_;
  header.session = session_;
  header.payload_length = total - kBlobHeaderSize;
  std::vector<uint8_t> prefix;
  prefix.reserve(kBlobHeaderSize + kPayloadPrefix);
  AppendBlobHeader(header, &prefix);
  ByteWriter w(&prefix);
  w.PutU64(num_values_);
  w.PutU64(noise_weight_);
  FEDCLOAK_CHECK(prefix.size() == kBlobHeaderSize + kPayloadPrefix);
  std::memcpy(out->data(), prefix.data(), prefix.size());
  uint8_t* p = out->data() + prefix.size();
  const size_t n = ctx_->n();
  for (size_t k = 0; k < 2 * num_ciphertexts_; ++k) {
    const uint64_t* poly = data_.data() + k * ctx_->poly_words();
    for (size_t i = 0; i < ctx_->num_primes(); ++i) {
      const int width = ctx_->modulus(i).bits();
      PackBits(std::span<const uint64_t>(poly + i * n, n), width, p);
      p += PackedSize(n, width);
    }
  }
  FEDCLOAK_CHECK(p == out->data() + total);
}

std::vector<uint8_t> CiphertextVector::Serialize() const {
  std::vector<uint8_t> out;
  Serialize(&out);
  return out;
}

absl::StatusOr<CiphertextVector> CiphertextVector::Load(std::shared_ptr<const RlweContext> ctx,
                                                        std::span<const uint8_t> bytes,
                                                        const CiphertextExpectation& expected) {
  CiphertextVector out;
  FEDCLOAK_RETURN_IF_ERROR(LoadInto(std::move(ctx), bytes, expected, &out));
  return out;
}

absl::Status CiphertextVector::LoadInto(std::shared_ptr<const RlweContext> ctx,
                                        std::span<const uint8_t> bytes,
                                        const CiphertextExpectation& expected,
                                        CiphertextVector* out) {
  out->ctx_ = nullptr;
  FEDCLOAK_ASSIGN_OR_RETURN(BlobView view, ParseBlob(bytes));
  BlobExpectation header_expectation;
  header_expectation.kind = kRlweCiphertextVectorKind;
  header_expectation.parameter_id = ctx->parameter_id();
  header_expectation.session = expected.session;
  header_expectation.round = expected.round;
  FEDCLOAK_RETURN_IF_ERROR(CheckBlobHeader(view.header, header_expectation));
  ByteReader r(view.payload);
  uint64_t num_values = 0, noise_weight = 0;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU64("ciphertext value count", &num_values));
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU64("ciphertext noise weight", &noise_weight));
  if (num_values == 0 || num_values > kMaxValues) {
    return absl::InvalidArgumentError(
        fmt::format("ciphertext vector of {} values (1 to {} allowed)", num_values, kMaxValues));
  }
  if (expected.num_values && num_values != *expected.num_values) {
    return absl::InvalidArgumentError(fmt::format("ciphertext vector holds {} values, expected {}",
                                                  num_values, *expected.num_values));
  }
  if (noise_weight == 0 || noise_weight > ctx->parameters().max_noise_weight()) {
    return absl::InvalidArgumentError(fmt::format("ciphertext noise weight {} is outside [1, {}]",
                                                  noise_weight,
                                                  ctx->parameters().max_noise_weight()));
  }
  const uint64_t num_ciphertexts = (num_values + ctx->n() - 1) / ctx->n();
  const uint64_t expected_payload =
      kPayloadPrefix + num_ciphertexts * 2 * internal::PackedPolySize(*ctx);
  if (view.payload.size() != expected_payload) {
    return absl::DataLossError(
        fmt::format("ciphertext payload of {} bytes, expected {} for {} values",
                    view.payload.size(), expected_payload, num_values));
  }
  out->Reset(std::move(ctx), expected.session, expected.round, num_values, noise_weight);
  const RlweContext& c = *out->ctx_;
  for (size_t k = 0; k < 2 * out->num_ciphertexts_; ++k) {
    absl::Status status =
        internal::ReadPackedPoly(c, r, k % 2 == 0 ? "ciphertext c0" : "ciphertext c1",
                                 out->data_.data() + k * c.poly_words());
    if (!status.ok()) {
      out->ctx_ = nullptr;
      return status;
    }
  }
  return r.ExpectEnd("ciphertext vector");
}

}  // namespace fedcloak::crypto
