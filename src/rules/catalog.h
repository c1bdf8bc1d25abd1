// The rule catalog: one table holds every rule's stable ID, name, severity, scenario, rationale, fix and
// the equivalent checks in other tools. Reports, SARIF metadata and docs are all rendered from it.
// Immutable after start-up; safe to read from any thread.
#pragma once

#include <string_view>
#include <vector>

#include "rules/finding.h"

namespace shipshape::rules {

// Where a rule applies; a bit set.
enum Target : unsigned { kDockerfile = 1, kCompose = 2, kLive = 4, kImage = 8 };  // kImage: `shipshape scan`

struct Equivalents {
  std::string_view hadolint, trivy, checkov, dockle, kics, cis;  // empty: none we know of

  // The known ones as (tool key, IDs): ("hadolint", "DL3002"), ..., ("cis_docker_1_2_0", "4.1").
  std::vector<std::pair<std::string_view, std::string_view>> known() const;
};

struct RuleInfo {
  std::string_view id;    // "SS401": the hundreds digit is the scenario
  std::string_view name;  // "root-user"
  Severity severity;      // default; a config file may change it
  int scenario;           // 1..6
  unsigned targets;
  std::string_view summary;    // one line
  std::string_view rationale;  // one paragraph: what goes wrong in production
  std::string_view fix;        // the concrete change
  Equivalents equivalents;
};

const std::vector<RuleInfo>& catalog();
// nullptr when the ID is unknown.
const RuleInfo* findRule(std::string_view id);
// "Resource starvation", "Daemon crash", ...
std::string_view scenarioName(int scenario);

}  // namespace shipshape::rules
