// Fans the engine's round reports out to several observers (console, metrics log, run
// store, dashboard), in the order they were added.
#ifndef FEDCLOAK_FL_OBSERVER_LIST_H_
#define FEDCLOAK_FL_OBSERVER_LIST_H_

#include <vector>

#include "fedcloak/fl/engine.h"

namespace fedcloak::fl {

// Does not own the observers. Not thread-safe (the engine reports from one thread).
class ObserverList final : public RoundObserver {
 public:
  void Add(RoundObserver* observer) {
    if (observer != nullptr) observers_.push_back(observer);
  }
  void OnRoundStart(uint64_t round, const std::vector<std::string>& selected) override {
    for (RoundObserver* o : observers_) o->OnRoundStart(round, selected);
  }
  void OnRoundEnd(const RoundRecord& record, std::span<const float> global) override {
    for (RoundObserver* o : observers_) o->OnRoundEnd(record, global);
  }

 private:
  std::vector<RoundObserver*> observers_;
};

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_OBSERVER_LIST_H_
