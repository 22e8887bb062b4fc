// How a site turns its model update into 32-bit words for the secure modes, and how the
// coordinator turns the sum of the words back into the mean update. Two encodings:
//  - fixed point (crypto::FixedPointCodec): the update clipped coordinate-wise, weighted
//    by the site's example count, stochastically rounded; the weights are summed too;
//  - distributed discrete Gaussian (dp::DistributedDGauss, when DP is on): the update
//    clipped in L2 norm, rotated, rounded and noised at the site; every site weighs 1.
#ifndef FEDCLOAK_FL_UPDATE_ENCODING_H_
#define FEDCLOAK_FL_UPDATE_ENCODING_H_

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/base/blob.h"
#include "fedcloak/base/secure_random.h"
#include "fedcloak/crypto/fixed_point.h"
#include "fedcloak/dp/distributed_dgauss.h"
#include "fedcloak/fl/learner.h"
#include "fedcloak/fl/messages.h"

namespace fedcloak::fl {

struct EncodedUpdate {
  std::vector<uint32_t> values;  // encoded_length() words
  uint32_t weight = 0;           // example count, or 1 under DP
};

// Immutable; thread-safe for const use with a caller-owned SecureRandom.
class UpdateEncoding {
 public:
  // InvalidArgument for settings that do not validate (capacity, clip, scale, DP noise).
  static absl::StatusOr<UpdateEncoding> Create(const EncodingSettings& settings, size_t num_params,
                                               const SessionId& session, uint64_t round);

  // Words per encoded update (the model size, or a power of two under DP rotation).
  size_t encoded_length() const;
  bool differentially_private() const { return ddg_.has_value(); }

  // Site side. InvalidArgument for a wrong size, a non-finite value or an example count
  // outside [1, max_total_weight].
  absl::StatusOr<EncodedUpdate> Encode(const LocalUpdate& update, SecureRandom& rng) const;

  // Coordinator side: the mean update from the sum of the encoded words and the sum of
  // the weights (the number of surviving sites under DP).
  absl::StatusOr<std::vector<double>> DecodeMean(std::span<const uint32_t> sum,
                                                 uint64_t total_weight) const;

 private:
  // One constructor per encoding (moving a disengaged optional<DistributedDGauss> draws
  // a false -Wmaybe-uninitialized from GCC 12 under the sanitizers).
  UpdateEncoding(size_t num_params, crypto::FixedPointCodec codec)
      : num_params_(num_params), codec_(std::move(codec)), seed_{} {}
  UpdateEncoding(size_t num_params, dp::DistributedDGauss ddg, std::array<uint8_t, 32> seed)
      : num_params_(num_params), ddg_(std::move(ddg)), seed_(seed) {}

  size_t num_params_;
  std::optional<crypto::FixedPointCodec> codec_;
  std::optional<dp::DistributedDGauss> ddg_;
  std::array<uint8_t, 32> seed_;  // public rotation seed of the round
};

// The mechanism's parameters for `dp` over updates of `num_params` values.
dp::DistributedDGaussParams DdgParams(const DpEncodingSettings& dp, size_t num_params);

// DP parameters for a run: fills `scale` with the largest value the 32-bit capacity
// allows. InvalidArgument if the noise cannot fit at all.
absl::StatusOr<DpEncodingSettings> PlanDistributedDp(size_t num_params, double l2_clip,
                                                     double noise_multiplier,
                                                     uint32_t expected_sites, uint32_t max_sites);

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_UPDATE_ENCODING_H_
