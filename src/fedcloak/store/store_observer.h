// StoreObserver: records every round the engine reports in a RunStore and, after each
// finished round (ok or failed: a failed round leaves a valid model too), a checkpoint
// of the global model with the state the hook supplies, so that a crashed coordinator
// can resume from the last finished round.
#ifndef FEDCLOAK_STORE_STORE_OBSERVER_H_
#define FEDCLOAK_STORE_STORE_OBSERVER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "fedcloak/fl/engine.h"
#include "fedcloak/store/run_store.h"

namespace fedcloak::store {

// Called once per finished round, before it is committed: returns what the store adds
// to the round (central metrics, privacy, site metrics) and to its checkpoint (the
// strategy's SaveState(), extra bytes). Typically captures the engine:
//   [&](const fl::RoundRecord&, std::span<const float>) {
//     RoundExtras x; x.strategy_state = engine->strategy().SaveState(); return x; }
using RoundExtrasHook =
    std::function<RoundExtras(const fl::RoundRecord& record, std::span<const float> global)>;

// Called from the engine's thread; not thread-safe. Does not own the store.
class StoreObserver final : public fl::RoundObserver {
 public:
  // `hook` may be empty (nothing extra; checkpoints then hold no strategy state).
  // `checkpoint`: write a checkpoint after every round. Default: true.
  StoreObserver(RunStore* store, int64_t run, RoundExtrasHook hook, bool checkpoint = true)
      : store_(store), run_(run), hook_(std::move(hook)), checkpoint_(checkpoint) {}

  void OnRoundEnd(const fl::RoundRecord& record, std::span<const float> global) override;

  // DP runs: the settings recorded with each round's epsilon (RoundRecord::epsilon) in
  // the privacy table, unless the hook supplies a PrivacyRecord itself.
  void set_privacy_settings(double delta, double noise_multiplier, double clip) {
    privacy_settings_ = PrivacyRecord{0, delta, noise_multiplier, clip};
  }

  // The first error of the store; once there is one, later rounds are not recorded (a
  // gap would make the history lie). The coordinator should check it after each round
  // and stop the run: without it, a crash can no longer resume from these rounds.
  const absl::Status& status() const { return status_; }
  uint64_t rounds_recorded() const { return rounds_recorded_; }
  uint64_t last_round() const { return last_round_; }

 private:
  RunStore* store_;
  int64_t run_;
  RoundExtrasHook hook_;
  bool checkpoint_;
  std::optional<PrivacyRecord> privacy_settings_;
  absl::Status status_;
  uint64_t rounds_recorded_ = 0;
  uint64_t last_round_ = 0;
};

}  // namespace fedcloak::store

#endif  // FEDCLOAK_STORE_STORE_OBSERVER_H_
