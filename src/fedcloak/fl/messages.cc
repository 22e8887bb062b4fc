#include "fedcloak/fl/messages.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>

#include "fedcloak/base/bytes.h"
#include "fedcloak/base/status.h"
#include "fedcloak/fl/message_codec.h"

namespace fedcloak::fl {
namespace {

using internal::OpenMessage;
using internal::PutDouble;
using internal::ReadDouble;
using internal::SealMessage;

constexpr uint8_t kHasAuc = 1, kHasPrecision = 2, kHasRecall = 4;

void PutFloats(ByteWriter& w, std::span<const float> v) {
  w.PutU64(v.size());
  w.PutBytes(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(v.data()), v.size_bytes()));
}

absl::Status ReadFloats(ByteReader& r, std::string_view field, std::vector<float>* out) {
  uint64_t n = 0;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU64(fmt::format("{} count", field), &n));
  if (n > kMaxParameters) {
    return absl::InvalidArgumentError(
        fmt::format("{} count {} exceeds the limit of {}", field, n, kMaxParameters));
  }
  std::span<const uint8_t> bytes;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadBytes(field, n * sizeof(float), &bytes));
  out->resize(n);
  std::memcpy(out->data(), bytes.data(), bytes.size());
  for (size_t i = 0; i < out->size(); ++i) {
    if (!std::isfinite((*out)[i])) {
      return absl::InvalidArgumentError(fmt::format("{}[{}] is not a finite number", field, i));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<uint8_t> EncodeModelBroadcast(const ModelBroadcast& m, const SessionId& session) {
  std::vector<uint8_t> p;
  ByteWriter w(&p);
  w.PutU8(static_cast<uint8_t>(m.mode));
  w.PutU64(m.train.seed);
  w.PutU32(m.train.epochs);
  w.PutU32(m.train.batch_size);
  PutDouble(w, m.train.learning_rate);
  PutDouble(w, m.train.momentum);
  PutDouble(w, m.train.fedprox_mu);
  PutDouble(w, m.encoding.clip);
  PutDouble(w, m.encoding.scale);
  w.PutU64(m.encoding.max_total_weight);
  w.PutU8(m.encoding.dp.enabled ? 1 : 0);
  if (m.encoding.dp.enabled) {
    PutDouble(w, m.encoding.dp.l2_clip);
    PutDouble(w, m.encoding.dp.noise_multiplier);
    PutDouble(w, m.encoding.dp.scale);
    w.PutU32(m.encoding.dp.expected_sites);
    w.PutU32(m.encoding.dp.max_sites);
  }
  PutFloats(w, m.params);
  return SealMessage(kModelBroadcastKind, session, m.train.round, p);
}

absl::StatusOr<ModelBroadcast> DecodeModelBroadcast(std::span<const uint8_t> blob,
                                                    const SessionId& session, uint64_t round) {
  FEDCLOAK_ASSIGN_OR_RETURN(ByteReader r, OpenMessage(blob, kModelBroadcastKind, session, round));
  ModelBroadcast m;
  m.train.round = round;
  uint8_t mode = 0;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU8("mode", &mode));
  if (mode > static_cast<uint8_t>(AggregationMode::kHe)) {
    return absl::InvalidArgumentError(fmt::format("aggregation mode {} is unknown", mode));
  }
  m.mode = static_cast<AggregationMode>(mode);
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU64("seed", &m.train.seed));
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU32("epochs", &m.train.epochs));
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU32("batch size", &m.train.batch_size));
  FEDCLOAK_RETURN_IF_ERROR(ReadDouble(r, "learning rate", &m.train.learning_rate));
  FEDCLOAK_RETURN_IF_ERROR(ReadDouble(r, "momentum", &m.train.momentum));
  FEDCLOAK_RETURN_IF_ERROR(ReadDouble(r, "fedprox mu", &m.train.fedprox_mu));
  FEDCLOAK_RETURN_IF_ERROR(ReadDouble(r, "clip", &m.encoding.clip));
  FEDCLOAK_RETURN_IF_ERROR(ReadDouble(r, "scale", &m.encoding.scale));
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU64("max total weight", &m.encoding.max_total_weight));
  uint8_t dp = 0;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU8("dp flag", &dp));
  if (dp > 1) return absl::InvalidArgumentError(fmt::format("dp flag {} is not 0 or 1", dp));
  if (dp == 1) {
    DpEncodingSettings& d = m.encoding.dp;
    d.enabled = true;
    FEDCLOAK_RETURN_IF_ERROR(ReadDouble(r, "dp clip", &d.l2_clip));
    FEDCLOAK_RETURN_IF_ERROR(ReadDouble(r, "dp noise multiplier", &d.noise_multiplier));
    FEDCLOAK_RETURN_IF_ERROR(ReadDouble(r, "dp scale", &d.scale));
    FEDCLOAK_RETURN_IF_ERROR(r.ReadU32("dp expected sites", &d.expected_sites));
    FEDCLOAK_RETURN_IF_ERROR(r.ReadU32("dp max sites", &d.max_sites));
  }
  FEDCLOAK_RETURN_IF_ERROR(ReadFloats(r, "parameters", &m.params));
  FEDCLOAK_RETURN_IF_ERROR(r.ExpectEnd("model broadcast"));
  if (m.train.epochs == 0 || m.train.batch_size == 0) {
    return absl::InvalidArgumentError(fmt::format(
        "epochs ({}) and batch size ({}) must be positive", m.train.epochs, m.train.batch_size));
  }
  return m;
}

std::vector<uint8_t> EncodePlainUpdate(const LocalUpdate& u, const SessionId& session,
                                       uint64_t round) {
  std::vector<uint8_t> p;
  ByteWriter w(&p);
  w.PutU64(u.num_examples);
  PutDouble(w, u.train_loss);
  PutFloats(w, u.delta);
  return SealMessage(kPlainUpdateKind, session, round, p);
}

absl::StatusOr<LocalUpdate> DecodePlainUpdate(std::span<const uint8_t> blob,
                                              const SessionId& session, uint64_t round,
                                              uint64_t expected_size) {
  FEDCLOAK_ASSIGN_OR_RETURN(ByteReader r, OpenMessage(blob, kPlainUpdateKind, session, round));
  LocalUpdate u;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU64("example count", &u.num_examples));
  FEDCLOAK_RETURN_IF_ERROR(ReadDouble(r, "train loss", &u.train_loss));
  FEDCLOAK_RETURN_IF_ERROR(ReadFloats(r, "update", &u.delta));
  FEDCLOAK_RETURN_IF_ERROR(r.ExpectEnd("plain update"));
  if (u.delta.size() != expected_size) {
    return absl::InvalidArgumentError(
        fmt::format("update has {} parameters, the model has {}", u.delta.size(), expected_size));
  }
  return u;
}

std::vector<uint8_t> EncodeEvalResult(const LocalMetrics& m, const SessionId& session,
                                      uint64_t round) {
  std::vector<uint8_t> p;
  ByteWriter w(&p);
  w.PutU64(m.num_examples);
  PutDouble(w, m.loss);
  PutDouble(w, m.accuracy);
  const uint8_t flags = static_cast<uint8_t>(
      (m.auc ? kHasAuc : 0) | (m.precision ? kHasPrecision : 0) | (m.recall ? kHasRecall : 0));
  w.PutU8(flags);
  if (m.auc) PutDouble(w, *m.auc);
  if (m.precision) PutDouble(w, *m.precision);
  if (m.recall) PutDouble(w, *m.recall);
  return SealMessage(kEvalResultKind, session, round, p);
}

absl::StatusOr<LocalMetrics> DecodeEvalResult(std::span<const uint8_t> blob,
                                              const SessionId& session, uint64_t round) {
  FEDCLOAK_ASSIGN_OR_RETURN(ByteReader r, OpenMessage(blob, kEvalResultKind, session, round));
  LocalMetrics m;
  uint8_t flags = 0;
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU64("example count", &m.num_examples));
  FEDCLOAK_RETURN_IF_ERROR(ReadDouble(r, "loss", &m.loss));
  FEDCLOAK_RETURN_IF_ERROR(ReadDouble(r, "accuracy", &m.accuracy));
  FEDCLOAK_RETURN_IF_ERROR(r.ReadU8("metric flags", &flags));
  if ((flags & ~(kHasAuc | kHasPrecision | kHasRecall)) != 0) {
    return absl::InvalidArgumentError(fmt::format("metric flags {:#x} are unknown", flags));
  }
  double v = 0;
  if (flags & kHasAuc) {
    FEDCLOAK_RETURN_IF_ERROR(ReadDouble(r, "auc", &v));
    m.auc = v;
  }
  if (flags & kHasPrecision) {
    FEDCLOAK_RETURN_IF_ERROR(ReadDouble(r, "precision", &v));
    m.precision = v;
  }
  if (flags & kHasRecall) {
    FEDCLOAK_RETURN_IF_ERROR(ReadDouble(r, "recall", &v));
    m.recall = v;
  }
  FEDCLOAK_RETURN_IF_ERROR(r.ExpectEnd("evaluation result"));
  return m;
}

}  // namespace fedcloak::fl
