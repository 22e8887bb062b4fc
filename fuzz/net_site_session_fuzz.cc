// Fuzz target for the coordinator's handling of what a site sends on its stream
// (module net): protobuf decoding of SiteMessage, result-chunk reassembly and the
// matching of results to pending calls. Input: records of [u16 little-endian length]
// [serialized SiteMessage]. Three tasks are pending (ids 1-3, round 5, kinds train,
// evaluate, stats-sum) when the records arrive. Properties checked beyond "no crash":
// a violation ends the stream (as the server would), every completed result respects
// the payload limit, and after Close no task can be sent.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fedcloak/base/check.h"
#include "fedcloak/net/site_session.h"

namespace {

using fedcloak::net::internal::SessionStream;
using fedcloak::net::internal::SiteSession;
using fedcloak::net::internal::TrafficCounters;

class NullStream final : public SessionStream {
 public:
  bool Write(const fedcloak::net::v1::CoordinatorMessage&) override { return true; }
  void Cancel() override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fedcloak::net::ChunkLimits limits{.max_chunk_bytes = 64, .max_payload_bytes = 1024};
  NullStream stream;
  TrafficCounters traffic;
  SiteSession session("fuzz-site", "", limits, nullptr, &stream, &traffic);
  const absl::Time later = absl::Now() + absl::Hours(1);
  std::vector<uint64_t> ids;
  for (auto kind : {fedcloak::fl::TaskKind::kTrain, fedcloak::fl::TaskKind::kEvaluate,
                    fedcloak::fl::TaskKind::kStatsSum}) {
    fedcloak::fl::Task task;
    task.kind = kind;
    task.round = 5;
    task.payload.assign(100, 1);  // two chunks
    auto id = session.SendTask(task, later);
    FEDCLOAK_CHECK(id.ok());
    ids.push_back(*id);
  }
  size_t offset = 0;
  while (offset + 2 <= size) {
    const size_t length = data[offset] | (size_t{data[offset + 1]} << 8);
    offset += 2;
    if (length > size - offset) break;
    fedcloak::net::v1::SiteMessage message;
    const bool parsed = message.ParseFromArray(data + offset, static_cast<int>(length));
    offset += length;
    if (!parsed) break;  // gRPC ends a stream whose message does not parse
    if (!session.HandleMessage(message).ok()) break;
  }
  for (uint64_t id : ids) {
    auto result = session.AwaitResult(id, absl::InfinitePast());
    if (result.ok()) FEDCLOAK_CHECK(result->payload.size() <= limits.max_payload_bytes);
  }
  session.Detach();
  fedcloak::fl::Task task;
  FEDCLOAK_CHECK(absl::IsUnavailable(session.SendTask(task, later).status()),
                 "a closed session accepted a task");
  return 0;
}
