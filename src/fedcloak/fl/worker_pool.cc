#include "fedcloak/fl/worker_pool.h"

#include <algorithm>
#include <atomic>

namespace fedcloak::fl {

WorkerPool::WorkerPool(size_t threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  workers_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void WorkerPool::WorkerLoop() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

void WorkerPool::ParallelFor(size_t n, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  // Each queued job pulls indices from a shared counter, so at most size() jobs are
  // queued however large n is.
  std::atomic<size_t> next{0};
  std::mutex done_mu;
  std::condition_variable done_cv;
  size_t jobs = std::min(n, workers_.size());
  size_t finished = 0;
  auto job = [&] {
    for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
    std::lock_guard<std::mutex> lock(done_mu);
    if (++finished == jobs) done_cv.notify_one();
  };
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t j = 0; j < jobs; ++j) queue_.emplace_back(job);
  }
  work_ready_.notify_all();
  std::unique_lock<std::mutex> lock(done_mu);
  done_cv.wait(lock, [&] { return finished == jobs; });
}

}  // namespace fedcloak::fl
