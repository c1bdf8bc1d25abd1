// The audit's configuration file (YAML), so that teams can tune rules without touching CI scripts:
//
//   fail-on: high               # default threshold for the exit code
//   rules:
//     SS104: {enabled: false}   # turn a rule off
//     SS101: {severity: critical}
//
// Unknown rule IDs and bad severities are errors with file:line:column.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "common/result.h"
#include "rules/finding.h"

namespace shipshape::audit {

struct RuleOverride {
  bool enabled = true;
  std::optional<rules::Severity> severity;
};

struct AuditConfig {
  std::optional<rules::Severity> fail_on;
  std::map<std::string, RuleOverride> rules;
};

Result<AuditConfig> loadAuditConfig(const std::string& path);

}  // namespace shipshape::audit
