#include "fedcloak/ml/partition.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>

#include "fedcloak/base/check.h"

namespace fedcloak::ml {
namespace {

constexpr int kMaxDirichletDraws = 1000;

void Shuffle(std::vector<size_t>& v, SecureRandom& rng) {
  for (size_t i = v.size(); i > 1; --i) {
    const auto j = static_cast<size_t>(rng.UniformBelow(i));
    std::swap(v[i - 1], v[j]);
  }
}

double SampleStandardNormal(SecureRandom& rng) {
  // Box-Muller; the second variate is dropped to keep the stream use simple.
  const double u1 = internal::SampleUnitOpen(rng);
  const double u2 = internal::SampleUnitOpen(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

void SortEach(Partition& parts) {
  for (auto& p : parts) std::sort(p.begin(), p.end());
}

}  // namespace

namespace internal {

double SampleUnitOpen(SecureRandom& rng) {
  for (;;) {
    const uint64_t bits = rng.NextU64() >> 11;
    if (bits != 0) return static_cast<double>(bits) * 0x1.0p-53;
  }
}

double SampleGamma(double shape, SecureRandom& rng) {
  FEDCLOAK_CHECK(shape > 0);
  if (shape < 1.0) {
    // Gamma(a) = Gamma(a + 1) * U^(1/a).
    return SampleGamma(shape + 1.0, rng) * std::pow(SampleUnitOpen(rng), 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x = 0;
    double v = 0;
    do {
      x = SampleStandardNormal(rng);
      v = 1.0 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = SampleUnitOpen(rng);
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

}  // namespace internal

absl::StatusOr<Partition> PartitionIid(size_t num_examples, size_t num_sites, SecureRandom& rng) {
  if (num_sites == 0 || num_sites > num_examples) {
    return absl::InvalidArgumentError(
        fmt::format("cannot split {} examples among {} sites (need 1 <= sites <= examples)",
                    num_examples, num_sites));
  }
  std::vector<size_t> order(num_examples);
  std::iota(order.begin(), order.end(), size_t{0});
  Shuffle(order, rng);
  Partition parts(num_sites);
  size_t begin = 0;
  for (size_t s = 0; s < num_sites; ++s) {
    const size_t size = num_examples / num_sites + (s < num_examples % num_sites ? 1 : 0);
    parts[s].assign(order.begin() + static_cast<std::ptrdiff_t>(begin),
                    order.begin() + static_cast<std::ptrdiff_t>(begin + size));
    begin += size;
  }
  SortEach(parts);
  return parts;
}

absl::StatusOr<Partition> PartitionDirichlet(std::span<const int64_t> labels, size_t num_sites,
                                             double alpha, SecureRandom& rng,
                                             size_t min_examples_per_site) {
  if (!(alpha > 0) || !std::isfinite(alpha)) {
    return absl::InvalidArgumentError(
        fmt::format("Dirichlet alpha must be positive and finite, got {}", alpha));
  }
  if (num_sites == 0 || num_sites * min_examples_per_site > labels.size()) {
    return absl::InvalidArgumentError(
        fmt::format("cannot give {} sites at least {} of {} examples each", num_sites,
                    min_examples_per_site, labels.size()));
  }
  int64_t max_label = -1;
  for (int64_t l : labels) {
    if (l < 0) return absl::InvalidArgumentError(fmt::format("negative label {}", l));
    max_label = std::max(max_label, l);
  }
  std::vector<std::vector<size_t>> by_class(static_cast<size_t>(max_label + 1));
  for (size_t i = 0; i < labels.size(); ++i) {
    by_class[static_cast<size_t>(labels[i])].push_back(i);
  }
  std::vector<double> proportions(num_sites);
  for (int draw = 0; draw < kMaxDirichletDraws; ++draw) {
    Partition parts(num_sites);
    for (std::vector<size_t>& members : by_class) {
      if (members.empty()) continue;
      double total = 0;
      for (double& p : proportions) total += (p = internal::SampleGamma(alpha, rng));
      Shuffle(members, rng);
      // Cut points at the rounded cumulative proportions.
      double cumulative = 0;
      size_t begin = 0;
      for (size_t s = 0; s < num_sites; ++s) {
        cumulative += proportions[s] / total;
        size_t end =
            s + 1 == num_sites
                ? members.size()
                : std::min(members.size(), static_cast<size_t>(std::llround(
                                               cumulative * static_cast<double>(members.size()))));
        end = std::max(end, begin);
        parts[s].insert(parts[s].end(), members.begin() + static_cast<std::ptrdiff_t>(begin),
                        members.begin() + static_cast<std::ptrdiff_t>(end));
        begin = end;
      }
    }
    const bool ok = std::all_of(parts.begin(), parts.end(), [&](const std::vector<size_t>& p) {
      return p.size() >= min_examples_per_site;
    });
    if (ok) {
      SortEach(parts);
      return parts;
    }
  }
  return absl::InvalidArgumentError(
      fmt::format("no Dirichlet(alpha={}) draw in {} gave each of {} sites at least {} examples",
                  alpha, kMaxDirichletDraws, num_sites, min_examples_per_site));
}

absl::StatusOr<Partition> PartitionShards(std::span<const int64_t> labels, size_t num_sites,
                                          size_t shards_per_site, SecureRandom& rng) {
  if (num_sites == 0 || shards_per_site == 0 || shards_per_site > labels.size() ||
      num_sites > labels.size() / shards_per_site) {
    return absl::InvalidArgumentError(
        fmt::format("cannot cut {} examples into {} sites x {} shards", labels.size(), num_sites,
                    shards_per_site));
  }
  std::vector<size_t> order(labels.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return labels[a] < labels[b]; });
  const size_t num_shards = num_sites * shards_per_site;
  std::vector<size_t> shard_ids(num_shards);
  std::iota(shard_ids.begin(), shard_ids.end(), size_t{0});
  Shuffle(shard_ids, rng);
  const size_t base = labels.size() / num_shards;
  const size_t extra = labels.size() % num_shards;  // the last `extra` shards get one more
  auto shard_begin = [&](size_t k) {
    return k * base + (k > num_shards - extra ? k - (num_shards - extra) : 0);
  };
  Partition parts(num_sites);
  for (size_t s = 0; s < num_sites; ++s) {
    for (size_t j = 0; j < shards_per_site; ++j) {
      const size_t k = shard_ids[s * shards_per_site + j];
      parts[s].insert(parts[s].end(), order.begin() + static_cast<std::ptrdiff_t>(shard_begin(k)),
                      order.begin() + static_cast<std::ptrdiff_t>(shard_begin(k + 1)));
    }
  }
  SortEach(parts);
  return parts;
}

}  // namespace fedcloak::ml
