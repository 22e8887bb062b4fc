#include "fedcloak/web/dashboard_state.h"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

namespace fedcloak::web {
namespace {

using Json = nlohmann::json;

Json Optional(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? Json(*v) : Json(nullptr);
}

// A sample value in the exposition format (Go's strconv conventions for specials).
std::string PromValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

std::string PromLabel(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void Family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

// The newest round that has a value for `field`.
std::optional<double> Latest(const std::vector<DashboardRound>& rounds,
                             std::optional<double> DashboardRound::*field) {
  for (auto it = rounds.rbegin(); it != rounds.rend(); ++it) {
    if ((*it).*field) return (*it).*field;
  }
  return std::nullopt;
}

}  // namespace

void DashboardState::SetRunInfo(DashboardRunInfo info) {
  absl::MutexLock lock(&mu_);
  info_ = std::move(info);
}

void DashboardState::SetSitesOnline(uint32_t online) {
  absl::MutexLock lock(&mu_);
  sites_online_ = online;
}

void DashboardState::SetPrivacy(double epsilon, double delta) {
  absl::MutexLock lock(&mu_);
  privacy_ = std::make_pair(epsilon, delta);
}

void DashboardState::RoundStarted(uint64_t round, size_t selected) {
  absl::MutexLock lock(&mu_);
  current_round_ = round;
  current_selected_ = selected;
  round_in_progress_ = true;
}

void DashboardState::RoundFinished(const fl::RoundRecord& r,
                                   const std::optional<fl::LocalMetrics>& central) {
  DashboardRound d;
  d.round = r.round;
  d.ok = r.status.ok();
  d.error = std::string(r.status.message());
  d.selected = static_cast<uint32_t>(r.selected.size());
  d.survivors = static_cast<uint32_t>(r.survivors.size());
  d.dropouts = static_cast<uint32_t>(r.dropouts.size());
  d.seconds = r.seconds;
  d.bytes_to_sites = r.bytes_to_sites;
  d.bytes_from_sites = r.bytes_from_sites;
  if (d.ok) d.train_loss = r.train_loss;
  if (r.evaluation) {
    d.loss = r.evaluation->loss;
    d.accuracy = r.evaluation->accuracy;
  }
  if (central) {
    d.central_loss = central->loss;
    d.central_accuracy = central->accuracy;
  }
  absl::MutexLock lock(&mu_);
  if (r.epsilon) {
    d.epsilon = *r.epsilon;
    privacy_ = std::make_pair(*r.epsilon, privacy_ ? privacy_->second : 0.0);
  } else if (privacy_) {
    d.epsilon = privacy_->first;
  }
  if (r.round >= current_round_) {
    current_round_ = r.round;
    round_in_progress_ = false;
  }
  if (!d.ok) ++rounds_failed_;
  dropouts_total_ += d.dropouts;
  bytes_to_sites_total_ += d.bytes_to_sites;
  bytes_from_sites_total_ += d.bytes_from_sites;
  if (rounds_.size() == kMaxRounds) rounds_.erase(rounds_.begin());
  rounds_.push_back(std::move(d));
}

std::vector<DashboardRound> DashboardState::rounds() const {
  absl::MutexLock lock(&mu_);
  return rounds_;
}

std::string DashboardState::RunJson() const {
  absl::MutexLock lock(&mu_);
  Json params = Json::array();
  for (const auto& [label, value] : info_.parameters) params.push_back({label, value});
  Json j = {{"name", info_.name},
            {"mode", info_.mode},
            {"private", info_.mode != "plain"},
            {"strategy", info_.strategy},
            {"parameters", params},
            {"rounds_planned", info_.rounds_planned},
            {"sites_total", info_.sites_total},
            {"sites_online", sites_online_ ? Json(*sites_online_) : Json(nullptr)},
            {"current_round", current_round_},
            {"round_in_progress", round_in_progress_},
            {"current_selected", current_selected_},
            {"rounds_finished", rounds_.size()},
            {"rounds_failed", rounds_failed_},
            {"dropouts_total", dropouts_total_},
            {"bytes_to_sites_total", bytes_to_sites_total_},
            {"bytes_from_sites_total", bytes_from_sites_total_},
            {"epsilon", privacy_ ? Json(privacy_->first) : Json(nullptr)},
            {"delta", privacy_ ? Json(privacy_->second) : Json(nullptr)}};
  return j.dump();
}

std::string DashboardState::RoundsJson(uint64_t after) const {
  absl::MutexLock lock(&mu_);
  Json out = Json::array();
  for (const DashboardRound& d : rounds_) {
    if (d.round <= after) continue;
    out.push_back({{"round", d.round},
                   {"ok", d.ok},
                   {"error", d.error},
                   {"selected", d.selected},
                   {"survivors", d.survivors},
                   {"dropouts", d.dropouts},
                   {"seconds", d.seconds},
                   {"bytes_to_sites", d.bytes_to_sites},
                   {"bytes_from_sites", d.bytes_from_sites},
                   {"train_loss", Optional(d.train_loss)},
                   {"loss", Optional(d.loss)},
                   {"accuracy", Optional(d.accuracy)},
                   {"central_loss", Optional(d.central_loss)},
                   {"central_accuracy", Optional(d.central_accuracy)},
                   {"epsilon", Optional(d.epsilon)}});
  }
  return out.dump();
}

std::string DashboardState::PrometheusText() const {
  absl::MutexLock lock(&mu_);
  std::string out;
  Family(out, "fedcloak_run_info", "gauge", "The run being coordinated (value is always 1).");
  out += fmt::format("fedcloak_run_info{{name=\"{}\",mode=\"{}\",strategy=\"{}\"}} 1\n",
                     PromLabel(info_.name), PromLabel(info_.mode), PromLabel(info_.strategy));
  Family(out, "fedcloak_round", "gauge", "Number of the current (last started) round.");
  out += fmt::format("fedcloak_round {}\n", current_round_);
  Family(out, "fedcloak_round_in_progress", "gauge", "1 while a round is running, else 0.");
  out += fmt::format("fedcloak_round_in_progress {}\n", round_in_progress_ ? 1 : 0);
  if (!rounds_.empty()) {
    Family(out, "fedcloak_round_seconds", "gauge", "Wall time of the last finished round.");
    out += fmt::format("fedcloak_round_seconds {}\n", PromValue(rounds_.back().seconds));
  }
  Family(out, "fedcloak_rounds_failed_total", "counter", "Rounds that failed.");
  out += fmt::format("fedcloak_rounds_failed_total {}\n", rounds_failed_);
  if (sites_online_) {
    Family(out, "fedcloak_sites_online", "gauge", "Sites connected to the coordinator.");
    out += fmt::format("fedcloak_sites_online {}\n", *sites_online_);
  }
  Family(out, "fedcloak_dropouts_total", "counter", "Selected sites that dropped out of a round.");
  out += fmt::format("fedcloak_dropouts_total {}\n", dropouts_total_);
  Family(out, "fedcloak_bytes_total", "counter", "Payload bytes sent to and received from sites.");
  out += fmt::format("fedcloak_bytes_total{{direction=\"to_sites\"}} {}\n", bytes_to_sites_total_);
  out +=
      fmt::format("fedcloak_bytes_total{{direction=\"from_sites\"}} {}\n", bytes_from_sites_total_);
  const auto fed_acc = Latest(rounds_, &DashboardRound::accuracy);
  const auto central_acc = Latest(rounds_, &DashboardRound::central_accuracy);
  if (fed_acc || central_acc) {
    Family(out, "fedcloak_accuracy", "gauge", "Accuracy of the global model after the last round.");
    if (fed_acc)
      out += fmt::format("fedcloak_accuracy{{evaluation=\"federated\"}} {}\n", PromValue(*fed_acc));
    if (central_acc) {
      out +=
          fmt::format("fedcloak_accuracy{{evaluation=\"central\"}} {}\n", PromValue(*central_acc));
    }
  }
  const auto fed_loss = Latest(rounds_, &DashboardRound::loss);
  const auto central_loss = Latest(rounds_, &DashboardRound::central_loss);
  const auto train_loss = Latest(rounds_, &DashboardRound::train_loss);
  if (fed_loss || central_loss || train_loss) {
    Family(out, "fedcloak_loss", "gauge",
           "Loss of the global model (train: mean local training loss).");
    if (fed_loss)
      out += fmt::format("fedcloak_loss{{evaluation=\"federated\"}} {}\n", PromValue(*fed_loss));
    if (central_loss) {
      out += fmt::format("fedcloak_loss{{evaluation=\"central\"}} {}\n", PromValue(*central_loss));
    }
    if (train_loss)
      out += fmt::format("fedcloak_loss{{evaluation=\"train\"}} {}\n", PromValue(*train_loss));
  }
  if (privacy_) {
    Family(out, "fedcloak_epsilon", "gauge", "Differential-privacy epsilon spent so far.");
    out += fmt::format("fedcloak_epsilon {}\n", PromValue(privacy_->first));
    Family(out, "fedcloak_delta", "gauge", "Differential-privacy delta of the epsilon above.");
    out += fmt::format("fedcloak_delta {}\n", PromValue(privacy_->second));
  }
  return out;
}

}  // namespace fedcloak::web
