#include "fedcloak/ml/torch_runtime.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <thread>

#include "absl/strings/str_cat.h"

namespace fedcloak::ml {

std::string TorchVersion() { return TORCH_VERSION; }

absl::Status SetTorchThreads(int threads) {
  if (threads < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("torch thread count must be >= 0 (0 = all cores), got ", threads));
  }
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  try {
    torch::set_num_threads(threads);
  } catch (const c10::Error& e) {
    return absl::InternalError(
        absl::StrCat("torch::set_num_threads: ", e.what_without_backtrace()));
  }
  return absl::OkStatus();
}

int TorchThreads() { return torch::get_num_threads(); }

}  // namespace fedcloak::ml
