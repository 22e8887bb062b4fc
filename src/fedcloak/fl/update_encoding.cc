#include "fedcloak/fl/update_encoding.h"

#include <fmt/format.h>

#include <cmath>

#include "fedcloak/base/prg.h"
#include "fedcloak/base/status.h"

namespace fedcloak::fl {
dp::DistributedDGaussParams DdgParams(const DpEncodingSettings& dp, size_t num_params) {
  dp::DistributedDGaussParams p;
  p.dimension = num_params;
  p.l2_clip = dp.l2_clip;
  p.noise_multiplier = dp.noise_multiplier;
  p.scale = dp.scale;
  p.expected_sites = dp.expected_sites;
  p.max_sites = dp.max_sites;
  return p;
}

absl::StatusOr<DpEncodingSettings> PlanDistributedDp(size_t num_params, double l2_clip,
                                                     double noise_multiplier,
                                                     uint32_t expected_sites, uint32_t max_sites) {
  DpEncodingSettings dp;
  dp.enabled = true;
  dp.l2_clip = l2_clip;
  dp.noise_multiplier = noise_multiplier;
  dp.expected_sites = expected_sites;
  dp.max_sites = max_sites;
  FEDCLOAK_ASSIGN_OR_RETURN(dp.scale, dp::DistributedDGauss::MaxScale(DdgParams(dp, num_params)));
  return dp;
}

absl::StatusOr<UpdateEncoding> UpdateEncoding::Create(const EncodingSettings& settings,
                                                      size_t num_params, const SessionId& session,
                                                      uint64_t round) {
  if (settings.dp.enabled) {
    FEDCLOAK_ASSIGN_OR_RETURN(dp::DistributedDGauss ddg,
                              dp::DistributedDGauss::Create(DdgParams(settings.dp, num_params)));
    // The rotation is public: derived from the session and the round.
    Prg prg(session.bytes, fmt::format("fl.dp.rotation.{}", round));
    std::array<uint8_t, 32> seed{};
    prg.Fill(seed);
    return UpdateEncoding(num_params, std::move(ddg), seed);
  }
  FEDCLOAK_ASSIGN_OR_RETURN(
      crypto::FixedPointCodec codec,
      crypto::FixedPointCodec::Create(settings.clip, settings.scale, settings.max_total_weight));
  return UpdateEncoding(num_params, std::move(codec));
}

size_t UpdateEncoding::encoded_length() const {
  return ddg_ ? static_cast<size_t>(ddg_->encoded_dimension()) : num_params_;
}

absl::StatusOr<EncodedUpdate> UpdateEncoding::Encode(const LocalUpdate& update,
                                                     SecureRandom& rng) const {
  if (update.delta.size() != num_params_) {
    return absl::InvalidArgumentError(
        fmt::format("update has {} values, the model has {}", update.delta.size(), num_params_));
  }
  for (float v : update.delta) {
    if (!std::isfinite(v)) return absl::InvalidArgumentError("update has a non-finite value");
  }
  EncodedUpdate out;
  if (ddg_) {
    std::vector<double> delta(update.delta.begin(), update.delta.end());
    FEDCLOAK_ASSIGN_OR_RETURN(SecretVector<uint32_t> words,
                              ddg_->EncodeSiteUpdate(delta, seed_, rng));
    out.values.assign(words.begin(), words.end());
    out.weight = 1;
    return out;
  }
  if (update.num_examples == 0 || update.num_examples > codec_->max_total_weight()) {
    return absl::InvalidArgumentError(
        fmt::format("example count {} is outside [1, {}] (the run's total weight bound)",
                    update.num_examples, codec_->max_total_weight()));
  }
  out.weight = static_cast<uint32_t>(update.num_examples);
  out.values.resize(num_params_);
  codec_->Encode(update.delta, out.weight, rng, out.values);
  return out;
}

absl::StatusOr<std::vector<double>> UpdateEncoding::DecodeMean(std::span<const uint32_t> sum,
                                                               uint64_t total_weight) const {
  if (total_weight == 0) return absl::FailedPreconditionError("the total weight is 0");
  if (sum.size() != encoded_length()) {
    return absl::InvalidArgumentError(
        fmt::format("sum has {} words, expected {}", sum.size(), encoded_length()));
  }
  std::vector<double> mean;
  if (ddg_) {
    FEDCLOAK_ASSIGN_OR_RETURN(mean, ddg_->DecodeAggregate(sum, seed_));
  } else {
    mean.resize(num_params_);
    codec_->Decode(sum, mean);
  }
  const double inv = 1.0 / static_cast<double>(total_weight);
  for (double& v : mean) v *= inv;
  return mean;
}

}  // namespace fedcloak::fl
