#include "fedcloak/ml/torch_runtime.h"

#include <fmt/format.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <algorithm>
#include <thread>

namespace fedcloak::ml {

std::string TorchVersion() { return TORCH_VERSION; }

absl::Status SetTorchThreads(int threads) {
  if (threads < 0) {
    return absl::InvalidArgumentError(
        fmt::format("torch thread count must be >= 0 (0 = all cores), got {}", threads));
  }
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  try {
    if (torch::get_num_threads() != threads) torch::set_num_threads(threads);
  } catch (const c10::Error& e) {
    return absl::InternalError(
        fmt::format("torch::set_num_threads: {}", e.what_without_backtrace()));
  }
  return absl::OkStatus();
}

int TorchThreads() { return torch::get_num_threads(); }

}  // namespace fedcloak::ml
