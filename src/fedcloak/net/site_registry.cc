#include "fedcloak/net/site_registry.h"

#include <utility>

#include "fmt/format.h"
#include "fmt/ranges.h"

namespace fedcloak::net::internal {

SiteRegistry::SiteRegistry(const std::vector<std::string>& allowed_sites)
    : allowed_(allowed_sites.begin(), allowed_sites.end()) {}

void SiteRegistry::Track(const std::shared_ptr<SiteSession>& session) {
  absl::MutexLock lock(&mu_);
  tracked_[session.get()] = session;
}

void SiteRegistry::Untrack(const SiteSession* session) {
  absl::MutexLock lock(&mu_);
  tracked_.erase(session);
}

std::vector<std::shared_ptr<SiteSession>> SiteRegistry::Tracked() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::shared_ptr<SiteSession>> out;
  for (const auto& [ptr, session] : tracked_) out.push_back(session);
  return out;
}

absl::StatusOr<std::shared_ptr<SiteSession>> SiteRegistry::Install(
    std::shared_ptr<SiteSession> session) {
  absl::MutexLock lock(&mu_);
  if (shut_down_) return absl::FailedPreconditionError("coordinator is shutting down");
  certificates_[session->site_name()] = session->certificate_pem();
  std::shared_ptr<SiteSession>& slot = current_[session->site_name()];
  std::shared_ptr<SiteSession> previous = std::move(slot);
  slot = std::move(session);
  return previous;
}

void SiteRegistry::Remove(const SiteSession* session) {
  absl::MutexLock lock(&mu_);
  auto it = current_.find(session->site_name());
  if (it != current_.end() && it->second.get() == session) current_.erase(it);
}

std::shared_ptr<SiteSession> SiteRegistry::Current(std::string_view name) const {
  absl::MutexLock lock(&mu_);
  auto it = current_.find(name);
  return it == current_.end() ? nullptr : it->second;
}

std::vector<std::string> SiteRegistry::Connected() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const auto& [name, session] : current_) out.push_back(name);
  return out;
}

absl::StatusOr<std::string> SiteRegistry::CertificateOf(std::string_view name) const {
  absl::MutexLock lock(&mu_);
  auto it = certificates_.find(name);
  if (it == certificates_.end()) {
    return absl::NotFoundError(fmt::format("site '{}' has not registered", name));
  }
  return it->second;
}

absl::StatusOr<std::vector<std::string>> SiteRegistry::WaitFor(size_t count,
                                                               absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return current_.size() >= count; };
  if (!mu_.AwaitWithTimeout(absl::Condition(&enough), timeout)) {
    std::vector<std::string> missing;
    for (const std::string& name : allowed_) {
      if (!current_.contains(name)) missing.push_back(name);
    }
    return absl::DeadlineExceededError(
        fmt::format("{} of {} wanted sites connected after {}; not connected: {}", current_.size(),
                    count, absl::FormatDuration(timeout), fmt::join(missing, ", ")));
  }
  std::vector<std::string> out;
  for (const auto& [name, session] : current_) out.push_back(name);
  return out;
}

void SiteRegistry::CloseAll(const absl::Status& reason) {
  std::vector<std::shared_ptr<SiteSession>> sessions;
  {
    absl::MutexLock lock(&mu_);
    shut_down_ = true;
    for (const auto& [ptr, session] : tracked_) sessions.push_back(session);
    current_.clear();
  }
  for (const auto& session : sessions) session->Close(reason);
}

absl::StatusOr<fl::TaskResult> RemoteSite::Call(const fl::Task& task, absl::Duration timeout) {
  std::shared_ptr<SiteSession> session = registry_->Current(name_);
  if (session == nullptr) {
    return absl::UnavailableError(fmt::format("site '{}' is not connected", name_));
  }
  return session->Call(task, timeout);
}

}  // namespace fedcloak::net::internal
