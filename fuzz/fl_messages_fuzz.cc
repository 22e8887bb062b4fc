// Fuzz target for the engine's message decoders (module fl): every decoder the
// coordinator or a site applies to bytes from the other side, on the same input, for
// session 0 and rounds 0 and 1 (the corpus's blobs carry those). Beyond "no crash": a
// message that decodes re-encodes to bytes that decode again to the same fields.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fedcloak/base/check.h"
#include "fedcloak/fl/bundle.h"
#include "fedcloak/fl/messages.h"
#include "fedcloak/fl/secure_messages.h"

namespace {

using namespace fedcloak;
using namespace fedcloak::fl;

void CheckSecAggSetup(std::span<const uint8_t> in, const SessionId& s, uint64_t round) {
  auto m = DecodeSecAggSetup(in, s, round);
  if (!m.ok()) return;
  auto again = DecodeSecAggSetup(EncodeSecAggSetup(*m, s, round), s, round);
  FEDCLOAK_CHECK(again.ok() && again->identity_keys == m->identity_keys &&
                     again->credentials.size() == m->credentials.size(),
                 "SecAggSetup does not round-trip");
}

void CheckHeKeySetup(std::span<const uint8_t> in, const SessionId& s) {
  auto m = DecodeHeKeySetup(in, s);
  if (!m.ok()) return;
  auto again = DecodeHeKeySetup(EncodeHeKeySetup(*m, s), s);
  FEDCLOAK_CHECK(again.ok() && again->transport_keys == m->transport_keys &&
                     again->credentials.size() == m->credentials.size(),
                 "HeKeySetup does not round-trip");
}

void CheckEnrollment(std::span<const uint8_t> in, const SessionId& s) {
  auto m = DecodeEnrollment(in, s);
  if (!m.ok()) return;
  auto again = DecodeEnrollment(EncodeEnrollment(*m, s), s);
  FEDCLOAK_CHECK(again.ok() && again->identity_key == m->identity_key &&
                     again->transport_key == m->transport_key &&
                     again->attestation == m->attestation,
                 "Enrollment does not round-trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> in(data, size);
  const SessionId session;
  CheckEnrollment(in, session);
  CheckHeKeySetup(in, session);
  (void)DecodeSessionStart(in);
  for (uint64_t round : {uint64_t{0}, uint64_t{1}}) {
    CheckSecAggSetup(in, session, round);
    (void)DecodeActiveSet(in, session, round);
    (void)DecodeTrainReport(in, session, round);
    (void)DecodePlainUpdate(in, session, round, /*expected_size=*/8);
    (void)DecodeEvalResult(in, session, round);
  }
  for (uint64_t round : {uint64_t{0}, uint64_t{1}}) {
    auto broadcast = DecodeModelBroadcast(in, session, round);
    if (!broadcast.ok()) continue;
    auto again = DecodeModelBroadcast(EncodeModelBroadcast(*broadcast, session), session, round);
    FEDCLOAK_CHECK(again.ok() && again->params == broadcast->params,
                   "ModelBroadcast does not round-trip");
  }
  auto parts = DecodeBundleAny(in);
  if (parts.ok()) {
    for (auto part : *parts) CheckEnrollment(part, session);
  }
  return 0;
}
