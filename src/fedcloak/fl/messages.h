// Payloads of the engine's tasks, each a blob of the versioned format (kinds
// 0x0320-0x033f). Layouts: doc/wire_format.md, section "fl". Decoders check the kind,
// the round and every length before allocating.
#ifndef FEDCLOAK_FL_MESSAGES_H_
#define FEDCLOAK_FL_MESSAGES_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/base/blob.h"
#include "fedcloak/fl/learner.h"

namespace fedcloak::fl {

inline constexpr ObjectKind kModelBroadcastKind = 0x0320;
inline constexpr ObjectKind kPlainUpdateKind = 0x0321;
inline constexpr ObjectKind kEvalResultKind = 0x0322;

// Largest model the engine accepts: 2^28 parameters (1 GiB of float32).
inline constexpr uint64_t kMaxParameters = uint64_t{1} << 28;

enum class AggregationMode : uint8_t { kPlain = 0, kSecAgg = 1, kHe = 2 };

// Distributed differential privacy (dp::DistributedDGauss) in the secure modes.
struct DpEncodingSettings {
  bool enabled = false;
  double l2_clip = 0.0;           // C: updates are clipped to this L2 norm
  double noise_multiplier = 0.0;  // z: the sum carries noise of std z * C
  double scale = 0.0;             // integer units per update unit
  uint32_t expected_sites = 0;    // sites whose noise shares make up the sum
  uint32_t max_sites = 0;         // most summands (capacity)
};

// How a site turns its update into integers for the secure modes (update_encoding.h).
struct EncodingSettings {
  double clip = 0.0;   // values clipped to [-clip, clip]
  double scale = 0.0;  // multiplier before stochastic rounding
  uint64_t max_total_weight = 0;
  DpEncodingSettings dp;
};

// Coordinator -> site with kTrain (and kEvaluate, where only `params` matters).
struct ModelBroadcast {
  AggregationMode mode = AggregationMode::kPlain;
  TrainSettings train;
  EncodingSettings encoding;
  std::vector<float> params;
};

std::vector<uint8_t> EncodeModelBroadcast(const ModelBroadcast& m, const SessionId& session);
absl::StatusOr<ModelBroadcast> DecodeModelBroadcast(std::span<const uint8_t> blob,
                                                    const SessionId& session, uint64_t round);

// Site -> coordinator in plain mode: the update in the clear (NOT private).
std::vector<uint8_t> EncodePlainUpdate(const LocalUpdate& u, const SessionId& session,
                                       uint64_t round);
// `expected_size`: the model's parameter count; a different size is InvalidArgument.
absl::StatusOr<LocalUpdate> DecodePlainUpdate(std::span<const uint8_t> blob,
                                              const SessionId& session, uint64_t round,
                                              uint64_t expected_size);

// Site -> coordinator for kEvaluate.
std::vector<uint8_t> EncodeEvalResult(const LocalMetrics& m, const SessionId& session,
                                      uint64_t round);
absl::StatusOr<LocalMetrics> DecodeEvalResult(std::span<const uint8_t> blob,
                                              const SessionId& session, uint64_t round);

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_MESSAGES_H_
