// Which sites are connected, and the SiteHandles the engine calls them through.
// Internal to module net. Thread-safe.
#ifndef FEDCLOAK_NET_SITE_REGISTRY_H_
#define FEDCLOAK_NET_SITE_REGISTRY_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "fedcloak/fl/site_handle.h"
#include "fedcloak/net/site_session.h"

namespace fedcloak::net::internal {

class SiteRegistry {
 public:
  explicit SiteRegistry(const std::vector<std::string>& allowed_sites);

  bool IsAllowed(std::string_view name) const { return allowed_.contains(std::string(name)); }
  const std::set<std::string>& allowed() const { return allowed_; }

  // Every stream, registered or not, so the heartbeat monitor sees all of them.
  void Track(const std::shared_ptr<SiteSession>& session);
  void Untrack(const SiteSession* session);
  std::vector<std::shared_ptr<SiteSession>> Tracked() const;

  // Makes `session` its site's current one and returns the one it replaces (or null).
  // FailedPrecondition after CloseAll.
  absl::StatusOr<std::shared_ptr<SiteSession>> Install(std::shared_ptr<SiteSession> session);
  // Removes `session` if it is still its site's current one.
  void Remove(const SiteSession* session);
  std::shared_ptr<SiteSession> Current(std::string_view name) const;
  std::vector<std::string> Connected() const;
  // The certificate of the site's latest registered stream; NotFound if it never
  // registered.
  absl::StatusOr<std::string> CertificateOf(std::string_view name) const;

  // Blocks until at least `count` sites are connected; DeadlineExceeded naming the
  // missing sites after `timeout`.
  absl::StatusOr<std::vector<std::string>> WaitFor(size_t count, absl::Duration timeout) const;

  // Refuses further registrations and closes every stream.
  void CloseAll(const absl::Status& reason);

 private:
  const std::set<std::string> allowed_;
  mutable absl::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, std::shared_ptr<SiteSession>, std::less<>> current_ ABSL_GUARDED_BY(mu_);
  std::map<const SiteSession*, std::shared_ptr<SiteSession>> tracked_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string, std::less<>> certificates_ ABSL_GUARDED_BY(mu_);
};

// A site of the run as the engine sees it. Survives reconnects: each Call goes to the
// site's current stream, or fails Unavailable at once if it has none. Thread-safe.
class RemoteSite final : public fl::SiteHandle {
 public:
  RemoteSite(std::string name, std::shared_ptr<SiteRegistry> registry)
      : name_(std::move(name)), registry_(std::move(registry)) {}

  const std::string& name() const override { return name_; }
  absl::StatusOr<fl::TaskResult> Call(const fl::Task& task, absl::Duration timeout) override;

 private:
  const std::string name_;
  const std::shared_ptr<SiteRegistry> registry_;
};

}  // namespace fedcloak::net::internal

#endif  // FEDCLOAK_NET_SITE_REGISTRY_H_
