#include "fedcloak/fl/simulation.h"

#include <fmt/format.h>

#include <array>

#include "fedcloak/base/prg.h"
#include "fedcloak/base/status.h"

namespace fedcloak::fl {

std::string SimulatedSiteName(size_t index) { return fmt::format("site-{}", index + 1); }

absl::StatusOr<std::unique_ptr<Simulation>> Simulation::Create(const SimulationOptions& options,
                                                               const LearnerFactory& factory,
                                                               const SessionId& session) {
  if (options.num_sites == 0)
    return absl::InvalidArgumentError("simulation needs at least one site");
  if (!(options.dropout >= 0.0 && options.dropout < 1.0)) {
    return absl::InvalidArgumentError(
        fmt::format("dropout probability {} is outside [0, 1)", options.dropout));
  }
  auto sim = std::unique_ptr<Simulation>(new Simulation(options));
  for (size_t i = 0; i < options.num_sites; ++i) {
    FEDCLOAK_ASSIGN_OR_RETURN(std::unique_ptr<LocalLearner> learner, factory(i));
    sim->learners_.push_back(std::move(learner));
    SiteIdentity id{SimulatedSiteName(i), static_cast<uint32_t>(i + 1)};
    InProcessSite::DropHook drop;
    if (options.dropout > 0.0) {
      const Simulation* self = sim.get();
      drop = [self, i](const std::string&, const Task& task) {
        return self->DropsOut(i, task.round);
      };
    }
    auto runtime =
        std::make_unique<SiteRuntime>(id, session, sim->learners_.back().get(), &DefaultRandom());
    sim->sites_.push_back(
        std::make_unique<InProcessSite>(id.name, std::move(runtime), std::move(drop)));
  }
  return sim;
}

std::vector<SiteHandle*> Simulation::sites() const {
  std::vector<SiteHandle*> out;
  out.reserve(sites_.size());
  for (const auto& s : sites_) out.push_back(s.get());
  return out;
}

bool Simulation::DropsOut(size_t index, uint64_t round) const {
  if (options_.dropout <= 0.0 || round == 0) return false;  // round 0: session setup
  std::array<uint8_t, 32> seed{};
  for (int b = 0; b < 8; ++b) {
    seed[static_cast<size_t>(b)] = static_cast<uint8_t>(options_.seed >> (8 * b));
    seed[static_cast<size_t>(8 + b)] = static_cast<uint8_t>(round >> (8 * b));
    seed[static_cast<size_t>(16 + b)] = static_cast<uint8_t>(uint64_t{index} >> (8 * b));
  }
  Prg prg(seed, "fl.simulation.dropout");
  const double u = static_cast<double>(prg.NextU64() >> 11) * 0x1.0p-53;
  return u < options_.dropout;
}

}  // namespace fedcloak::fl
