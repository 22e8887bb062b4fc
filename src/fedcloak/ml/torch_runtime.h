// The libtorch runtime as the rest of fedcloak sees it: no torch type crosses this header.
#ifndef FEDCLOAK_ML_TORCH_RUNTIME_H_
#define FEDCLOAK_ML_TORCH_RUNTIME_H_

#include <string>

#include "absl/status/status.h"

namespace fedcloak::ml {

// The libtorch version this binary was built against, e.g. "1.13.0".
std::string TorchVersion();

// Sets libtorch's intra-op thread count. `threads` = 0 means all cores. With Debian's
// libtorch (OpenMP backend) the count applies to the calling OS thread (an OpenMP
// per-thread setting); libtorch's default there is 1. Returns InvalidArgument for a
// negative count.
absl::Status SetTorchThreads(int threads);

// libtorch's current intra-op thread count.
int TorchThreads();

}  // namespace fedcloak::ml

#endif  // FEDCLOAK_ML_TORCH_RUNTIME_H_
