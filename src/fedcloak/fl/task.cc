#include "fedcloak/fl/task.h"

namespace fedcloak::fl {

std::string_view TaskKindName(TaskKind kind) {
  switch (kind) {
    case TaskKind::kTrain:
      return "train";
    case TaskKind::kEvaluate:
      return "evaluate";
    case TaskKind::kEnroll:
      return "enroll";
    case TaskKind::kHeKeyGen:
      return "he-keygen";
    case TaskKind::kHeKeyShares:
      return "he-key-shares";
    case TaskKind::kHeDecrypt:
      return "he-decrypt";
    case TaskKind::kSecAggAdvertise:
      return "secagg-advertise";
    case TaskKind::kSecAggShareKeys:
      return "secagg-share-keys";
    case TaskKind::kSecAggMaskedInput:
      return "secagg-masked-input";
    case TaskKind::kSecAggUnmask:
      return "secagg-unmask";
    case TaskKind::kStatsSum:
      return "stats-sum";
  }
  return "unknown";
}

}  // namespace fedcloak::fl
