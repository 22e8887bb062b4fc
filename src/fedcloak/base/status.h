// Status helpers shared by every module. Fallible functions return absl::Status or
// absl::StatusOr<T>; these macros propagate errors without exceptions.
#ifndef FEDCLOAK_BASE_STATUS_H_
#define FEDCLOAK_BASE_STATUS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define FEDCLOAK_STATUS_CONCAT_INNER_(a, b) a##b
#define FEDCLOAK_STATUS_CONCAT_(a, b) FEDCLOAK_STATUS_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status); returns it from the enclosing function if not OK.
#define FEDCLOAK_RETURN_IF_ERROR(expr)                   \
  do {                                                   \
    ::absl::Status fedcloak_status_ = (expr);            \
    if (!fedcloak_status_.ok()) return fedcloak_status_; \
  } while (false)

#define FEDCLOAK_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                    \
  if (!tmp.ok()) return std::move(tmp).status();        \
  lhs = std::move(tmp).value()

// Evaluates `expr` (an absl::StatusOr<T>); on error returns its status, otherwise
// assigns the value to `lhs`, which may be a declaration: `auto x`, `const Foo& y`.
#define FEDCLOAK_ASSIGN_OR_RETURN(lhs, expr) \
  FEDCLOAK_ASSIGN_OR_RETURN_IMPL_(FEDCLOAK_STATUS_CONCAT_(fedcloak_statusor_, __LINE__), lhs, expr)

#endif  // FEDCLOAK_BASE_STATUS_H_
