// Site names: the identity of a site, carried as CN and DNS SAN of its certificate.
#ifndef FEDCLOAK_NET_SITE_NAME_H_
#define FEDCLOAK_NET_SITE_NAME_H_

#include <string_view>

#include "absl/status/status.h"

namespace fedcloak::net {

// OK if `name` matches [a-z0-9][a-z0-9-]{0,62} (a DNS label without upper case, so it
// is a valid CN, SAN and directory name); InvalidArgument naming the name otherwise.
absl::Status ValidateSiteName(std::string_view name);

}  // namespace fedcloak::net

#endif  // FEDCLOAK_NET_SITE_NAME_H_
