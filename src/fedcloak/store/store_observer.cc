#include "fedcloak/store/store_observer.h"

namespace fedcloak::store {

void StoreObserver::OnRoundEnd(const fl::RoundRecord& record, std::span<const float> global) {
  if (!status_.ok()) return;
  RoundExtras extras = hook_ ? hook_(record, global) : RoundExtras{};
  if (!extras.privacy && record.epsilon && privacy_settings_) {
    extras.privacy = *privacy_settings_;
    extras.privacy->epsilon = *record.epsilon;
  }
  std::optional<std::span<const float>> model;
  if (checkpoint_) model = global;
  status_ = store_->CommitRound(run_, record, extras, model);
  if (status_.ok()) {
    ++rounds_recorded_;
    last_round_ = record.round;
  }
}

}  // namespace fedcloak::store
