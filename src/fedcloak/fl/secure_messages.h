// Engine messages of the secure modes (kinds 0x0324-0x032f): a site's enrollment (its
// long-term public keys), the per-round SecAgg+ setup, and the plaintext training report
// a site sends beside its masked or encrypted update. Layouts: doc/wire_format.md.
#ifndef FEDCLOAK_FL_SECURE_MESSAGES_H_
#define FEDCLOAK_FL_SECURE_MESSAGES_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "fedcloak/base/blob.h"
#include "fedcloak/crypto/ed25519.h"
#include "fedcloak/crypto/x25519.h"

namespace fedcloak::fl {

inline constexpr ObjectKind kEnrollmentKind = 0x0324;
inline constexpr ObjectKind kSecAggSetupKind = 0x0325;
inline constexpr ObjectKind kTrainReportKind = 0x0326;
inline constexpr ObjectKind kHeKeySetupKind = 0x0327;
inline constexpr ObjectKind kActiveSetKind = 0x0328;
inline constexpr ObjectKind kSessionStartKind = 0x0329;

// Coordinator -> site with kEnroll: opens a session. `description` is the run's
// description for the site (the CLI puts the model and data settings there as JSON), at
// most 64 KiB.
inline constexpr size_t kMaxSessionDescription = 64 * 1024;
std::vector<uint8_t> EncodeSessionStart(std::string_view description, const SessionId& session);
// The session is taken from the blob (not checked): a site learns it here.
absl::StatusOr<std::pair<SessionId, std::string>> DecodeSessionStart(std::span<const uint8_t> blob);

// Largest attestation (key_attestation.h) a message may carry: a certificate chain in
// PEM and a signature fit easily.
inline constexpr size_t kMaxAttestationBytes = 16 * 1024;
// Longest site name in a credential.
inline constexpr size_t kMaxSiteNameBytes = 255;

struct Enrollment {
  crypto::Ed25519PublicKey identity_key{};  // signs SecAgg+ key advertisements
  crypto::X25519PublicKey transport_key{};  // receives HE key shares end to end
  // The site's attestation of EnrollmentStatement (empty when the run has no attestor).
  std::vector<uint8_t> attestation;
};
std::vector<uint8_t> EncodeEnrollment(const Enrollment& e, const SessionId& session);
absl::StatusOr<Enrollment> DecodeEnrollment(std::span<const uint8_t> blob,
                                            const SessionId& session);

// The bytes a site attests at enrolment: a domain-separation label, the session, the
// site's name and both public keys (layout in doc/wire_format.md).
std::vector<uint8_t> EnrollmentStatement(const SessionId& session, std::string_view site,
                                         const Enrollment& e);

// One party's enrolment as the coordinator relays it to the others: name, keys and
// attestation, so that each site can check the keys it is about to use.
struct PartyCredential {
  std::string name;
  Enrollment enrollment;
};

// Coordinator -> site at the first SecAgg+ stage of a round: the round's public
// parameters, the site's id in the round (1-based), and the identity keys of all the
// round's participants in id order.
struct SecAggSetup {
  uint32_t num_sites = 0;
  uint32_t neighbours = 0;
  uint32_t threshold = 0;
  uint64_t vector_length = 0;
  uint32_t site_id = 0;
  std::vector<crypto::Ed25519PublicKey> identity_keys;
  // Empty, or one per site in id order (identity keys equal to identity_keys).
  std::vector<PartyCredential> credentials;
};
std::vector<uint8_t> EncodeSecAggSetup(const SecAggSetup& s, const SessionId& session,
                                       uint64_t round);
absl::StatusOr<SecAggSetup> DecodeSecAggSetup(std::span<const uint8_t> blob,
                                              const SessionId& session, uint64_t round);

// Site -> coordinator beside a protected update: what the site chooses to report in the
// clear (its mean training loss).
std::vector<uint8_t> EncodeTrainReport(double train_loss, const SessionId& session, uint64_t round);
absl::StatusOr<double> DecodeTrainReport(std::span<const uint8_t> blob, const SessionId& session,
                                         uint64_t round);

// Coordinator -> site at the start of the threshold-HE key setup: the parameter set, the
// session's parties and threshold, the site's party id, and every party's transport key.
struct HeKeySetup {
  uint8_t parameter_set = 0;  // 0: N = 4096, 1: N = 8192
  uint32_t num_parties = 0;
  uint32_t threshold = 0;
  uint32_t party_id = 0;
  std::vector<crypto::X25519PublicKey> transport_keys;
  // Empty, or one per party in id order (transport keys equal to transport_keys).
  std::vector<PartyCredential> credentials;
};
std::vector<uint8_t> EncodeHeKeySetup(const HeKeySetup& s, const SessionId& session);
absl::StatusOr<HeKeySetup> DecodeHeKeySetup(std::span<const uint8_t> blob,
                                            const SessionId& session);

// The active set T of a threshold decryption (sorted party ids).
std::vector<uint8_t> EncodeActiveSet(std::span<const uint32_t> ids, const SessionId& session,
                                     uint64_t round);
absl::StatusOr<std::vector<uint32_t>> DecodeActiveSet(std::span<const uint8_t> blob,
                                                      const SessionId& session, uint64_t round);

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_SECURE_MESSAGES_H_
