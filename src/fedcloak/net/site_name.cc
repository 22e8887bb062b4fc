#include "fedcloak/net/site_name.h"

#include <string>

#include "fmt/format.h"

namespace fedcloak::net {

absl::Status ValidateSiteName(std::string_view name) {
  constexpr size_t kMaxLength = 63;
  auto printable = [&] {
    std::string shown;
    for (char c : name.substr(0, 80)) {
      shown += (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    return shown;
  };
  if (name.empty() || name.size() > kMaxLength) {
    return absl::InvalidArgumentError(
        fmt::format("site name '{}' has {} characters; allowed 1 to {} of [a-z0-9-]", printable(),
                    name.size(), kMaxLength));
  }
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && !(c == '-' && i > 0)) {
      return absl::InvalidArgumentError(
          fmt::format("site name '{}' has '{}' at position {}; allowed [a-z0-9][a-z0-9-]{{0,62}}",
                      printable(), printable().substr(i, 1), i));
    }
  }
  return absl::OkStatus();
}

}  // namespace fedcloak::net
