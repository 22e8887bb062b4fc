// Shared setup of the SecAgg+ message fuzz targets: fixed parameters (6 sites, degree 4,
// threshold 3, vectors of 3 values), round 4 and session 5a5a...; the committed corpora
// are encoded with these. Each target parses, and for an accepted message checks that it
// re-encodes to exactly the input (the encoding is canonical).
#ifndef FEDCLOAK_FUZZ_SECAGG_FUZZ_COMMON_H_
#define FEDCLOAK_FUZZ_SECAGG_FUZZ_COMMON_H_

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "fedcloak/base/blob.h"
#include "fedcloak/base/check.h"
#include "fedcloak/secagg/messages.h"
#include "fedcloak/secagg/parameters.h"

namespace fedcloak::secagg::fuzz {

inline constexpr uint64_t kRound = 4;

inline const SecAggParameters& Params() {
  static const SecAggParameters params = *SecAggParameters::Create(6, 4, 3, 3);
  return params;
}

inline SessionId Session() {
  SessionId s;
  s.bytes.fill(0x5a);
  return s;
}

inline MessageContext Context(const SessionId& session = Session()) {
  return MessageContext{Params().parameter_id(), kRound, session};
}

inline void CheckSame(const std::vector<uint8_t>& again, std::span<const uint8_t> input) {
  FEDCLOAK_CHECK(again.size() == input.size(), "re-encoding changes the length");
  FEDCLOAK_CHECK(std::equal(again.begin(), again.end(), input.begin()), "re-encoding differs");
}

}  // namespace fedcloak::secagg::fuzz

#endif  // FEDCLOAK_FUZZ_SECAGG_FUZZ_COMMON_H_
