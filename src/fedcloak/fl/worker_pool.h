// A fixed-size pool of worker threads. The engine uses it to talk to many sites at
// once, and the simulator to train many virtual sites with bounded memory: at most
// `threads` tasks run at a time, whatever the number of sites.
#ifndef FEDCLOAK_FL_WORKER_POOL_H_
#define FEDCLOAK_FL_WORKER_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"

namespace fedcloak::fl {

// Thread-safe. Destruction waits for queued work to finish.
class WorkerPool {
 public:
  // `threads` = 0 means one per core.
  explicit WorkerPool(size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  size_t size() const { return workers_.size(); }

  // Runs fn(i) for every i in [0, n) on the pool and returns when all have finished.
  // fn must not throw. Safe to call from several threads; not from inside fn.
  void ParallelFor(size_t n, const std::function<void(size_t)>& fn);

 private:
  void WorkerLoop();

  std::mutex mu_;
  std::condition_variable work_ready_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

}  // namespace fedcloak::fl

#endif  // FEDCLOAK_FL_WORKER_POOL_H_
