#include "fedcloak/crypto/fixed_point.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "absl/status/status.h"
#include "fedcloak/base/check.h"
#include "fedcloak/base/prg.h"
#include "fedcloak/base/secret.h"
#include "fmt/format.h"

namespace fedcloak::crypto {
namespace {

constexpr double kTwo31 = 2147483648.0;
constexpr double kTwo32 = 4294967296.0;
constexpr size_t kRandomBlock = 1024;

}  // namespace

absl::StatusOr<FixedPointCodec> FixedPointCodec::Create(double clip, double scale,
                                                        uint64_t max_total_weight) {
  if (!std::isfinite(clip) || clip <= 0) {
    return absl::InvalidArgumentError(
        fmt::format("fixed-point clip must be finite and positive, got {}", clip));
  }
  if (!std::isfinite(scale) || scale <= 0) {
    return absl::InvalidArgumentError(
        fmt::format("fixed-point scale must be finite and positive, got {}", scale));
  }
  if (max_total_weight < 1) {
    return absl::InvalidArgumentError("fixed-point max_total_weight must be at least 1");
  }
  const double unit_bound = std::ceil(clip * scale);
  // Compare in long double-free integer terms once unit_bound is known to be small.
  if (unit_bound >= kTwo31 ||
      static_cast<unsigned __int128>(max_total_weight) * static_cast<uint64_t>(unit_bound) >=
          (static_cast<unsigned __int128>(1) << 31)) {
    return absl::InvalidArgumentError(fmt::format(
        "fixed-point capacity exceeded: max_total_weight {} * ceil(clip {} * scale {}) = {} * "
        "{} must be < 2^31 = 2147483648",
        max_total_weight, clip, scale, max_total_weight, unit_bound));
  }
  return FixedPointCodec(clip, scale, max_total_weight);
}

void FixedPointCodec::Encode(std::span<const float> values, uint32_t weight, SecureRandom& rng,
                             std::span<uint32_t> out) const {
  FEDCLOAK_CHECK(values.size() == out.size(), "Encode: values and out differ in size");
  FEDCLOAK_CHECK(weight >= 1 && weight <= max_total_weight_,
                 "Encode: weight outside [1, max_total_weight]");
  // x * 2^32 as a 32.32 fixed-point integer: the high word is floor(x), the low word
  // the fraction, so stochastic rounding is one comparison with 32 random bits.
  const double factor = static_cast<double>(weight) * scale_ * kTwo32;
  // The rounding bits come from an AES-128-CTR expansion of 32 bytes drawn from `rng`:
  // still a CSPRNG stream, at 3-4x the rate of drawing every byte from the OS generator.
  SecretBytes seed(Prg::kSeedSize);
  rng.Fill(seed.span());
  Prg rounding(std::span<const uint8_t, Prg::kSeedSize>(seed.data(), Prg::kSeedSize),
               "fedcloak.fixed-point.rounding", Prg::Cipher::kAes128Ctr);
  SecretVector<uint32_t> random(kRandomBlock);
  for (size_t start = 0; start < values.size(); start += kRandomBlock) {
    const size_t n = std::min(kRandomBlock, values.size() - start);
    rounding.FillU32(random.span().first(n));
    for (size_t i = 0; i < n; ++i) {
      // Branch-free (the values are private): the ternaries compile to minsd/maxsd and a
      // mask. A NaN fails both comparisons and `v == v`, so it ends as 0; +-inf clip.
      const double v = static_cast<double>(values[start + i]);
      double c = v < -clip_ ? -clip_ : v;
      c = c > clip_ ? clip_ : c;
      c = (v == v) ? c : 0.0;
      // |x| <= weight * clip * scale < 2^31, so |x * 2^32| < 2^63. Truncation toward zero
      // moves negative values up by less than 2^-32 of a unit: P(round up) = frac, with
      // frac exact to 2^-32, so the rounding is unbiased up to 2^-32 of a unit.
      const auto fixed = static_cast<int64_t>(c * factor);
      const auto fraction = static_cast<uint32_t>(static_cast<uint64_t>(fixed));
      const auto floor = static_cast<uint32_t>(static_cast<uint64_t>(fixed >> 32));
      out[start + i] = floor + static_cast<uint32_t>(random[i] < fraction);
    }
  }
}

void FixedPointCodec::Decode(std::span<const uint32_t> sum, std::span<double> out) const {
  FEDCLOAK_CHECK(sum.size() == out.size(), "Decode: sum and out differ in size");
  const double inv_scale = 1.0 / scale_;
  for (size_t i = 0; i < sum.size(); ++i) {
    out[i] = static_cast<double>(static_cast<int32_t>(sum[i])) * inv_scale;
  }
}

double FixedPointCodec::quantization_bound(uint64_t total_weight) const {
  return static_cast<double>(total_weight) / scale_;
}

}  // namespace fedcloak::crypto
