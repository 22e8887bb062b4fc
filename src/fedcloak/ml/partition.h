// Partitioners that split one data set among simulated sites, as in the federated
// learning literature. They work on example counts or labels only and return, per site,
// the sorted indices of its examples (use Dataset::Subset to materialize them). Every
// example goes to exactly one site. Randomness comes from the SecureRandom passed in:
// a Prg with a fixed seed gives a reproducible partition.
#ifndef FEDCLOAK_ML_PARTITION_H_
#define FEDCLOAK_ML_PARTITION_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/base/secure_random.h"

namespace fedcloak::ml {

using Partition = std::vector<std::vector<size_t>>;  // site -> example indices

// IID: a uniform random permutation cut into num_sites parts whose sizes differ by at
// most one. InvalidArgument unless 1 <= num_sites <= num_examples.
absl::StatusOr<Partition> PartitionIid(size_t num_examples, size_t num_sites, SecureRandom& rng);

// Label skew (Hsu et al. 2019): for each class c, site proportions p_c ~ Dirichlet(alpha,
// ..., alpha) and the shuffled examples of c are cut by those proportions. Small alpha
// (0.1) gives sites few classes each, large alpha (100) approaches IID. Partitions in
// which a site gets fewer than `min_examples_per_site` examples are redrawn, up to 1000
// times. InvalidArgument for alpha <= 0 or not finite, num_sites == 0, a negative label,
// num_sites * min_examples_per_site > number of examples, or if no draw met the minimum.
absl::StatusOr<Partition> PartitionDirichlet(std::span<const int64_t> labels, size_t num_sites,
                                             double alpha, SecureRandom& rng,
                                             size_t min_examples_per_site = 1);

// Pathological non-IID shards (McMahan et al. 2017): sort examples by label, cut into
// num_sites * shards_per_site equal shards (the remainder goes to the last shards one
// example each), give each site shards_per_site random shards. InvalidArgument unless
// num_sites >= 1, shards_per_site >= 1 and there are at least as many examples as shards.
absl::StatusOr<Partition> PartitionShards(std::span<const int64_t> labels, size_t num_sites,
                                          size_t shards_per_site, SecureRandom& rng);

namespace internal {
// Draws from Gamma(shape, 1) (Marsaglia and Tsang 2000). REQUIRES: shape > 0.
double SampleGamma(double shape, SecureRandom& rng);
// Uniform in (0, 1), 53 bits.
double SampleUnitOpen(SecureRandom& rng);
}  // namespace internal

}  // namespace fedcloak::ml

#endif  // FEDCLOAK_ML_PARTITION_H_
