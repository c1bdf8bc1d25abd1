// What the security rules consider dangerous, in one place so that the Dockerfile, Compose and live checks
// agree. Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "rules/finding.h"

namespace shipshape::rules {

// SYS_ADMIN, NET_ADMIN, SYS_PTRACE, ALL, ... (with or without the CAP_ prefix).
bool isDangerousCapability(std::string_view capability);
// The Docker socket at its usual paths.
bool isDockerSocket(std::string_view host_path);
// /, /etc, /root, /proc, /sys, /var/run, the data-root, ... and anything below /etc, /root, /proc.
bool isSensitiveHostPath(std::string_view host_path);
// "root", "0", "root:root", "0:0" (the part before ':' decides).
bool isRootUser(std::string_view user);

// A finding of `rule_id` with the catalog's default severity.
Finding makeFinding(std::string_view rule_id, std::string message, Location location);

}  // namespace shipshape::rules
