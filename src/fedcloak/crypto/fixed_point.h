// FixedPointCodec: the fixed-point encoding of model updates shared by both aggregation
// modes (SecAgg+ masking and threshold HE). A value v is clipped to [-clip, clip],
// multiplied by an integer weight w (the site's example count) and by `scale`, rounded
// stochastically to an integer (unbiased: E[round(x)] = x up to 2^-32) and stored as two's
// complement mod 2^32. Sums of encodings mod 2^32 decode to the weighted sum as long as
// the capacity condition checked by Create holds.
//
// Non-finite inputs: +inf and -inf clip to +clip and -clip; NaN encodes as 0 (no
// contribution). Callers that must reject NaN updates check before encoding.
//
// Immutable; thread-safe (the randomness comes from the caller's SecureRandom).
#ifndef FEDCLOAK_CRYPTO_FIXED_POINT_H_
#define FEDCLOAK_CRYPTO_FIXED_POINT_H_

#include <cstdint>
#include <span>

#include "absl/status/statusor.h"
#include "fedcloak/base/secure_random.h"

namespace fedcloak::crypto {

class FixedPointCodec {
 public:
  // InvalidArgument unless clip and scale are finite and positive, max_total_weight >= 1
  // and max_total_weight * ceil(clip * scale) < 2^31 (so that any sum of encodings with
  // total weight <= max_total_weight, including the rounding, fits in a signed 32-bit
  // integer); the message names all the numbers.
  static absl::StatusOr<FixedPointCodec> Create(double clip, double scale,
                                                uint64_t max_total_weight);

  double clip() const { return clip_; }
  double scale() const { return scale_; }
  uint64_t max_total_weight() const { return max_total_weight_; }

  // out[i] = StochasticRound(clamp(values[i]) * weight * scale) mod 2^32.
  // REQUIRES: 1 <= weight <= max_total_weight, values.size() == out.size()
  // (FEDCLOAK_CHECK). Draws 4 random bytes per value from `rng`, in blocks.
  void Encode(std::span<const float> values, uint32_t weight, SecureRandom& rng,
              std::span<uint32_t> out) const;

  // out[i] = (sum[i] read as two's complement int32) / scale: the weighted sum of the
  // clipped values; the caller divides by the total weight.
  // REQUIRES: sum.size() == out.size() (FEDCLOAK_CHECK).
  void Decode(std::span<const uint32_t> sum, std::span<double> out) const;

  // Bound on |Decode(sum of encodings) - sum of weight_i * clamp(v_i)| for one
  // coordinate, when the encodings of sites with total weight `total_weight` are added:
  // each site contributes at most one unit of rounding error (1 / scale) and the number of
  // sites is at most total_weight (weights are >= 1), so the bound is total_weight / scale.
  // The error is zero-mean; its standard deviation is at most sqrt(sites) / (2 scale).
  double quantization_bound(uint64_t total_weight) const;

 private:
  FixedPointCodec(double clip, double scale, uint64_t max_total_weight)
      : clip_(clip), scale_(scale), max_total_weight_(max_total_weight) {}

  double clip_;
  double scale_;
  uint64_t max_total_weight_;
};

}  // namespace fedcloak::crypto

#endif  // FEDCLOAK_CRYPTO_FIXED_POINT_H_
