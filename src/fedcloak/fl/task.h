// The unit of work the coordinator's engine sends to a site, and the site's answer.
// Transport-free: the simulator delivers tasks by function call, the networked
// deployment (module net) carries the same bytes over gRPC with mutual TLS.
#ifndef FEDCLOAK_FL_TASK_H_
#define FEDCLOAK_FL_TASK_H_

#include <cstdint>
#include <string_view>
#include <vector>

namespace fedcloak::fl {

// What a task asks of a site. Values are part of the wire format (doc/wire_format.md):
// never renumber, only append.
enum class TaskKind : uint16_t {
  kTrain = 1,               // payload: global model + round config; result: update
  kEvaluate = 2,            // payload: global model; result: metrics
  kEnroll = 3,              // result: the site's long-term public keys (session setup)
  kHeKeyGen = 10,           // threshold-HE key setup, stage 1: public-key share + Shamir shares
  kHeKeyShares = 11,        // stage 2: deliver the shares addressed to this site
  kHeDecrypt = 12,          // decryption share for an aggregated ciphertext
  kSecAggAdvertise = 20,    // SecAgg+ stage 0: advertise keys
  kSecAggShareKeys = 21,    // stage 1
  kSecAggMaskedInput = 22,  // stage 2
  kSecAggUnmask = 23,       // stage 3
  kStatsSum = 30,           // federated feature statistics (sums and counts)
};

std::string_view TaskKindName(TaskKind kind);

struct Task {
  TaskKind kind = TaskKind::kTrain;
  uint64_t round = 0;
  std::vector<uint8_t> payload;  // a versioned blob or a concatenation of blobs
};

struct TaskResult {
  std::vector<uint8_t> payload;
};

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_TASK_H_
