#include "rules/policy.h"

#include <algorithm>
#include <iterator>

#include "rules/catalog.h"

namespace shipshape::rules {

bool isDangerousCapability(std::string_view cap) {
  if (cap.substr(0, 4) == "CAP_") cap.remove_prefix(4);
  static const std::string_view kDangerous[] = {"ALL",        "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE",
                                                "DAC_READ_SEARCH", "SYS_RAWIO", "SYS_BOOT", "BPF", "PERFMON"};
  return std::find(std::begin(kDangerous), std::end(kDangerous), cap) != std::end(kDangerous);
}

bool isDockerSocket(std::string_view path) {
  return path == "/var/run/docker.sock" || path == "/run/docker.sock";
}

bool isSensitiveHostPath(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  static const std::string_view kSensitive[] = {"/",    "/etc", "/root", "/var/run", "/run", "/proc",
                                                "/sys", "/boot", "/dev", "/usr", "/lib", "/var/lib/docker", "/home"};
  if (std::find(std::begin(kSensitive), std::end(kSensitive), path) != std::end(kSensitive)) return true;
  return path.substr(0, 5) == "/etc/" || path.substr(0, 6) == "/root/" || path.substr(0, 6) == "/proc/";
}

bool isRootUser(std::string_view user) {
  std::string_view name = user.substr(0, user.find(':'));
  return name == "root" || name == "0";
}

Finding makeFinding(std::string_view rule_id, std::string message, Location location) {
  const RuleInfo* info = findRule(rule_id);
  Finding f;
  f.rule_id = std::string(rule_id);
  f.severity = info ? info->severity : Severity::kMedium;
  f.message = std::move(message);
  f.location = std::move(location);
  return f;
}

}  // namespace shipshape::rules
