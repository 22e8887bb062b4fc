// Binding a site's enrolled public keys to who the site is.
//
// At enrolment a site sends the long-term public keys of the session: the Ed25519
// identity key of SecAgg+ and the X25519 key under which it receives threshold-HE key
// shares. Relayed by the coordinator alone, those keys would be trusted on first use: a
// malicious coordinator could substitute its own key for a site's and then read that
// site's HE key shares or impersonate it in SecAgg+. With attestation, the site signs an
// EnrollmentStatement (session, its name, both keys) with a credential the coordinator
// cannot forge (in the networked deployment: the private key of its certificate, issued
// by the federation's CA), the coordinator relays the attestation with the keys, and every
// site checks every other party's attestation before using its keys.
//
// Transport-free interfaces: module net implements them with X.509 certificates; the
// simulator, where all sites live in one trusted process, runs without them.
#ifndef FEDCLOAK_FL_KEY_ATTESTATION_H_
#define FEDCLOAK_FL_KEY_ATTESTATION_H_

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace fedcloak::fl {

// A site's side: attests a statement about itself. Called from the site's task thread.
class KeyAttestor {
 public:
  virtual ~KeyAttestor() = default;
  virtual absl::StatusOr<std::vector<uint8_t>> Attest(std::span<const uint8_t> statement) = 0;
};

// Checks that `attestation` is `site`'s attestation of `statement`. PermissionDenied or
// DataLoss when it is not. Must be thread-safe (the coordinator checks in parallel).
class KeyVerifier {
 public:
  virtual ~KeyVerifier() = default;
  virtual absl::Status Verify(std::string_view site, std::span<const uint8_t> statement,
                              std::span<const uint8_t> attestation) const = 0;
};

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_KEY_ATTESTATION_H_
