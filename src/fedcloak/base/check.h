// FEDCLOAK_CHECK: invariants that must hold whatever the input. A failure is a bug in
// fedcloak, never a user error (those are Status values); it aborts with file and line.
#ifndef FEDCLOAK_BASE_CHECK_H_
#define FEDCLOAK_BASE_CHECK_H_

namespace fedcloak::internal {

[[noreturn]] void CheckFailed(const char* file, int line, const char* condition,
                              const char* message);

}  // namespace fedcloak::internal

// FEDCLOAK_CHECK(cond) or FEDCLOAK_CHECK(cond, "what broke"). Always on, also in Release.
#define FEDCLOAK_CHECK(cond, ...)                                                   \
  do {                                                                              \
    if (!(cond)) [[unlikely]] {                                                     \
      ::fedcloak::internal::CheckFailed(__FILE__, __LINE__, #cond, "" __VA_ARGS__); \
    }                                                                               \
  } while (false)

#endif  // FEDCLOAK_BASE_CHECK_H_
