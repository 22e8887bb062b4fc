#include "fedcloak/base/check.h"

#include <cstdio>
#include <cstdlib>

namespace fedcloak::internal {

void CheckFailed(const char* file, int line, const char* condition, const char* message) {
  // The one place library code writes to stderr: the process is about to die and the
  // file and line are what a developer needs.
  std::fprintf(stderr, "%s:%d: FEDCLOAK_CHECK failed: %s%s%s\n", file, line, condition,
               message[0] != '\0' ? ": " : "", message);
  std::fflush(stderr);
  std::abort();
}

}  // namespace fedcloak::internal
