#include "fedcloak/secagg/neighbour_graph.h"

#include <algorithm>

#include "fedcloak/base/check.h"
#include "fedcloak/base/prg.h"

namespace fedcloak::secagg {

NeighbourGraph::NeighbourGraph(std::span<const uint32_t> sites, uint32_t k, uint32_t max_site_id,
                               const SessionId& session)
    : ring_(sites.begin(), sites.end()), neighbours_(size_t{max_site_id} + 1) {
  FEDCLOAK_CHECK(!sites.empty());
  FEDCLOAK_CHECK(std::adjacent_find(sites.begin(), sites.end(), std::greater_equal<>()) ==
                 sites.end());
  FEDCLOAK_CHECK(sites.back() <= max_site_id);
  const size_t s = ring_.size();
  // Fisher-Yates with a Prg keyed by the (public) session id.
  Prg prg(session.bytes, "fedcloak.secagg.graph.v1");
  for (size_t i = s; i > 1; --i) {
    const size_t j = prg.UniformBelow(i);
    std::swap(ring_[i - 1], ring_[j]);
  }
  if (k + 1 >= s) {
    for (uint32_t a : ring_) {
      for (uint32_t b : ring_) {
        if (a != b) neighbours_[a].push_back(b);
      }
    }
  } else {
    FEDCLOAK_CHECK(k % 2 == 0, "Harary graph of odd degree");
    for (size_t p = 0; p < s; ++p) {
      for (size_t d = 1; d <= k / 2; ++d) {
        neighbours_[ring_[p]].push_back(ring_[(p + d) % s]);
        neighbours_[ring_[p]].push_back(ring_[(p + s - d) % s]);
      }
    }
  }
  for (auto& list : neighbours_) std::sort(list.begin(), list.end());
}

std::span<const uint32_t> NeighbourGraph::Neighbours(uint32_t site) const {
  if (site >= neighbours_.size()) return {};
  return neighbours_[site];
}

bool NeighbourGraph::AreNeighbours(uint32_t a, uint32_t b) const {
  const auto list = Neighbours(a);
  return std::binary_search(list.begin(), list.end(), b);
}

}  // namespace fedcloak::secagg
