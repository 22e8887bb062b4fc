// Many virtual sites in one process. Each site is a SiteRuntime behind an InProcessSite;
// what it learns from comes from a factory, so the caller decides how much memory a
// site holds (the CLI's learners build their model only while a task runs, so memory
// grows with the engine's workers, not with the number of sites).
#ifndef FEDCLOAK_FL_SIMULATION_H_
#define FEDCLOAK_FL_SIMULATION_H_

#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/base/blob.h"
#include "fedcloak/fl/in_process_site.h"
#include "fedcloak/fl/learner.h"
#include "fedcloak/fl/site_runtime.h"

namespace fedcloak::fl {

struct SimulationOptions {
  size_t num_sites = 0;
  // Probability that a site drops out of a round (at its training task, and stays silent
  // for the rest of that round). Decided by a Prg keyed by (seed, round, site).
  double dropout = 0.0;
  uint64_t seed = 0;
};

using LearnerFactory =
    std::function<absl::StatusOr<std::unique_ptr<LocalLearner>>(size_t site_index)>;

// Thread-safe to call sites() from any thread; the sites themselves are thread-safe.
class Simulation {
 public:
  // InvalidArgument for zero sites or a dropout probability outside [0, 1).
  static absl::StatusOr<std::unique_ptr<Simulation>> Create(const SimulationOptions& options,
                                                            const LearnerFactory& factory,
                                                            const SessionId& session);

  std::vector<SiteHandle*> sites() const;
  LocalLearner& learner(size_t i) { return *learners_[i]; }

  // Whether site `index` (0-based) drops out of `round`: deterministic.
  bool DropsOut(size_t index, uint64_t round) const;

 private:
  explicit Simulation(SimulationOptions options) : options_(options) {}

  SimulationOptions options_;
  std::vector<std::unique_ptr<LocalLearner>> learners_;
  std::vector<std::unique_ptr<InProcessSite>> sites_;
};

// The site names a simulation uses: "site-1" ... "site-n".
std::string SimulatedSiteName(size_t index);

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_SIMULATION_H_
