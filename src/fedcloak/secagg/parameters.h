// SecAggParameters: the public parameters of one SecAgg+ federation (Bell et al., CCS
// 2020): number of sites n, neighbourhood degree k of the Harary graph, Shamir threshold
// t, and the length L of the encoded input vector. Each site shares its secrets among its
// k neighbours and itself (k + 1 holders), t of which reconstruct.
//
// Derive() picks the smallest even k and then the smallest t such that, for a threat
// model of at most ceil(adversarial_rate * n) sites colluding with a malicious
// coordinator and at most ceil(dropout_rate * n) dropouts, placed on a uniformly random
// ring (the graph permutation comes from the session id):
//   security (2^-40):  P[graph of honest survivors disconnected] <= 2^-41 and
//                      n * P[X >= 2t - (k + 1)] <= 2^-41, X ~ HG(n - 1, A, k) the number
//                      of colluding neighbours (a coordinator that lies about dropouts
//                      gets both shares of a site only if X >= 2t - (k + 1));
//   correctness (2^-20): n * P[Y >= k - t + 1] <= 2^-20, Y ~ HG(n - 1, D, k) the number
//                      of dropped neighbours (a dropped site needs t live neighbours).
// If no k < n - 1 qualifies the graph is complete (k = n - 1, plain SecAgg) with
// t = floor((n + A) / 2) + 1. The formulas and numbers are in doc/secagg_protocol.md.
//
// Parameters are plain values: copyable, comparable, printable. parameter_id() hashes
// all fields and is carried in every message header.
#ifndef FEDCLOAK_SECAGG_PARAMETERS_H_
#define FEDCLOAK_SECAGG_PARAMETERS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace fedcloak::secagg {

// Largest input vector: 2^28 uint32 values (1 GiB).
inline constexpr uint64_t kMaxVectorLength = uint64_t{1} << 28;
// Largest federation.
inline constexpr uint32_t kMaxSites = 100000;

struct ThreatModel {
  // Fraction of sites that may collude with the coordinator. Default: 0.05.
  double adversarial_rate = 0.05;
  // Fraction of sites that may drop out during a round. Default: 0.05.
  double dropout_rate = 0.05;
};

class SecAggParameters {
 public:
  // Explicit parameters. InvalidArgument unless 2 <= num_sites <= kMaxSites;
  // neighbours is even and in [2, num_sites - 2], or equals num_sites - 1 (complete
  // graph); 2 * threshold > neighbours + 1 (a coordinator alone can never collect both
  // share types of a site) and threshold <= neighbours + 1; 1 <= vector_length <=
  // kMaxVectorLength.
  static absl::StatusOr<SecAggParameters> Create(uint32_t num_sites, uint32_t neighbours,
                                                 uint32_t threshold, uint64_t vector_length);

  // Derived parameters (see above). InvalidArgument for rates outside [0, 1) or
  // adversarial_rate + 2 * dropout_rate > 0.9, and as for Create.
  static absl::StatusOr<SecAggParameters> Derive(uint32_t num_sites, uint64_t vector_length,
                                                 const ThreatModel& threat_model = {});

  uint32_t num_sites() const { return num_sites_; }
  uint32_t neighbours() const { return neighbours_; }
  uint32_t threshold() const { return threshold_; }
  uint64_t vector_length() const { return vector_length_; }
  // Elements of a masked input: the vector plus the masked weight.
  uint64_t masked_length() const { return vector_length_ + 1; }
  bool complete_graph() const { return neighbours_ + 1 == num_sites_; }
  // First 8 bytes (little-endian) of BLAKE2b-256 over all fields.
  uint64_t parameter_id() const { return parameter_id_; }
  std::string ToString() const;

  friend bool operator==(const SecAggParameters& a, const SecAggParameters& b) {
    return a.parameter_id_ == b.parameter_id_ && a.num_sites_ == b.num_sites_ &&
           a.neighbours_ == b.neighbours_ && a.threshold_ == b.threshold_ &&
           a.vector_length_ == b.vector_length_;
  }

 private:
  SecAggParameters(uint32_t num_sites, uint32_t neighbours, uint32_t threshold,
                   uint64_t vector_length);

  uint32_t num_sites_;
  uint32_t neighbours_;
  uint32_t threshold_;
  uint64_t vector_length_;
  uint64_t parameter_id_;
};

namespace internal {

// log P[X >= x] for X ~ Hypergeometric(population, successes, draws); -inf if impossible.
double LogHypergeometricTail(uint32_t population, uint32_t successes, uint32_t draws, int64_t x);

}  // namespace internal
}  // namespace fedcloak::secagg

#endif  // FEDCLOAK_SECAGG_PARAMETERS_H_
