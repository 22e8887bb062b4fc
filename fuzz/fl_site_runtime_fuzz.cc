// Fuzz target for a site's message handler (fl::SiteRuntime::Handle): the input is a
// sequence of tasks as the coordinator could send them, each record
//   u16 task kind | u8 round | u16 payload length | payload
// (little-endian), handled in order by one runtime (session 0, a closed-form learner of
// 8 parameters, keys from a fixed seed). Nothing may crash or abort, whatever the order.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fedcloak/base/prg.h"
#include "fedcloak/fl/site_runtime.h"
#include "fedcloak/fl/testing_learners.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fedcloak;
  std::array<uint8_t, 32> seed{};
  Prg rng(seed, "fuzz.site_runtime");
  fl::testing::QuadraticLearner learner(std::vector<float>(8, 0.5f), 10);
  const SessionId session;
  fl::SiteRuntime runtime(fl::SiteIdentity{"site-1", 1}, session, &learner, &rng);
  size_t at = 0;
  for (int tasks = 0; tasks < 64 && at + 5 <= size; ++tasks) {
    fl::Task task;
    task.kind = static_cast<fl::TaskKind>(data[at] | (data[at + 1] << 8));
    task.round = data[at + 2];
    const size_t length = std::min<size_t>(data[at + 3] | (data[at + 4] << 8), size - at - 5);
    task.payload.assign(data + at + 5, data + at + 5 + length);
    at += 5 + length;
    (void)runtime.Handle(task);
  }
  return 0;
}
