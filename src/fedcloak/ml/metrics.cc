#include "fedcloak/ml/metrics.h"

#include <algorithm>
#include <numeric>
#include <vector>

namespace fedcloak::ml {

std::optional<double> RocAuc(std::span<const double> scores, std::span<const int64_t> labels) {
  if (scores.size() != labels.size()) return std::nullopt;
  double positives = 0;
  double negatives = 0;
  for (int64_t l : labels) {
    if (l == 1) {
      positives += 1;
    } else if (l == 0) {
      negatives += 1;
    } else {
      return std::nullopt;
    }
  }
  if (positives == 0 || negatives == 0) return std::nullopt;
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  // Sum of the (1-based, tie-averaged) ranks of the positives.
  double positive_rank_sum = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) ++j;
    const double average_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (size_t k = i; k < j; ++k) {
      if (labels[order[k]] == 1) positive_rank_sum += average_rank;
    }
    i = j;
  }
  const double u = positive_rank_sum - positives * (positives + 1) / 2.0;
  return u / (positives * negatives);
}

PrecisionRecall ComputePrecisionRecall(std::span<const int64_t> predicted,
                                       std::span<const int64_t> labels) {
  double tp = 0;
  double fp = 0;
  double fn = 0;
  const size_t n = std::min(predicted.size(), labels.size());
  for (size_t i = 0; i < n; ++i) {
    const bool p = predicted[i] == 1;
    const bool l = labels[i] == 1;
    tp += p && l ? 1 : 0;
    fp += p && !l ? 1 : 0;
    fn += !p && l ? 1 : 0;
  }
  PrecisionRecall out;
  if (tp + fp > 0) out.precision = tp / (tp + fp);
  if (tp + fn > 0) out.recall = tp / (tp + fn);
  return out;
}

}  // namespace fedcloak::ml
