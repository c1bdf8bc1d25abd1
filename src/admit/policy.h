// What `shipshape admit` refuses, and the verdict on one request. The rules are the live audit's (same IDs,
// same words); the policy only chooses which of them refuse a container, at what severity, and who is exempt.
//
//   mode: enforce            # enforce: deny; warn: allow and record
//   deny: [SS101, SS102, SS301, SS401, SS403, SS406, SS407, SS408]
//   min_severity: medium     # a finding of a deny rule below this only warns (SS406 "drops no capabilities")
//   exempt:
//     label: shipshape.admit.exempt      # a container labelled <label>=true is allowed and recorded
//     images: ["registry.local/ops/*"]   # shell patterns on the requested image
//   judge: [create, exec]    # exec: POST /containers/{id}/exec (a privileged or root exec)
#pragma once

#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "docker/types.h"
#include "rules/finding.h"

namespace shipshape::admit {

enum class Mode { kEnforce, kWarn };

struct AdmitConfig {
  Mode mode = Mode::kEnforce;
  std::set<std::string> deny = {"SS101", "SS102", "SS301", "SS401", "SS403", "SS406", "SS407", "SS408"};
  rules::Severity min_severity = rules::Severity::kMedium;
  std::string exempt_label = "shipshape.admit.exempt";
  std::vector<std::string> exempt_images;
  bool judge_create = true, judge_exec = false;
};

// Errors carry file:line:column.
Result<AdmitConfig> loadAdmitConfig(const std::string& path);
Result<Mode> parseMode(const std::string& text);
const char* modeName(Mode mode);

struct Verdict {
  enum class Kind { kAllow, kDeny, kWarn, kExempt };
  Kind kind = Kind::kAllow;
  std::vector<rules::Finding> violations;  // findings of deny rules at or above min_severity
  std::string message;                     // what the client sees (deny) or what is recorded (warn, exempt)
  bool allowed() const { return kind != Kind::kDeny; }
};
const char* verdictName(Verdict::Kind kind);  // "allowed", "denied", "warned", "exempt"

// `subject` names what is judged ("container web (image app:1)"); `image` and `labels` decide exemptions.
Verdict judge(const AdmitConfig& config, const std::string& subject, const std::string& image,
              const docker::Labels& labels, const std::vector<rules::Finding>& findings);

// The docker-run flag that fixes a rule, for the denial message: "--user 10001:10001" for SS401.
std::string runFlagFix(const std::string& rule_id);

}  // namespace shipshape::admit
