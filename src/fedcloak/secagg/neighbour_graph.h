// NeighbourGraph: the SecAgg+ communication graph of one round. The sites that advertised
// keys are placed on a ring in the order of a permutation drawn from the session id, and
// each is joined to the k/2 nearest sites on either side (a Harary graph H_{k,s}); with
// k >= s - 1 the graph is complete. Every site computes the same graph from public data.
// Immutable; thread-safe.
#ifndef FEDCLOAK_SECAGG_NEIGHBOUR_GRAPH_H_
#define FEDCLOAK_SECAGG_NEIGHBOUR_GRAPH_H_

#include <cstdint>
#include <span>
#include <vector>

#include "fedcloak/base/blob.h"

namespace fedcloak::secagg {

class NeighbourGraph {
 public:
  // REQUIRES: `sites` strictly increasing, non-empty, ids <= max_site_id; k even or
  // k >= sites.size() - 1 (FEDCLOAK_CHECK).
  NeighbourGraph(std::span<const uint32_t> sites, uint32_t k, uint32_t max_site_id,
                 const SessionId& session);

  // Sorted neighbours of `site` (not including `site`); empty for a site not in the graph.
  std::span<const uint32_t> Neighbours(uint32_t site) const;
  bool AreNeighbours(uint32_t a, uint32_t b) const;
  // The sites on the ring, in ring order.
  std::span<const uint32_t> ring() const { return ring_; }

 private:
  std::vector<uint32_t> ring_;
  std::vector<std::vector<uint32_t>> neighbours_;  // indexed by site id
};

}  // namespace fedcloak::secagg

#endif  // FEDCLOAK_SECAGG_NEIGHBOUR_GRAPH_H_
