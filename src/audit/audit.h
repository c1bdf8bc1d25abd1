// One audit pass: the files named on the command line (Dockerfiles, Compose files, directories) and, with
// --live, the engine the client points at. Bad input never stops the pass: each unreadable or malformed
// file becomes an InputError and the others are still audited.
#pragma once

#include <string>
#include <vector>

#include "audit/config.h"
#include "docker/client.h"
#include "rules/finding.h"

namespace shipshape::audit {

struct AuditOptions {
  std::vector<std::string> paths;
  bool live = false;
  AuditConfig config;
};

struct AuditResult {
  std::vector<rules::Finding> findings;  // after inline ignores and the config's overrides, sorted
  int suppressed = 0;                    // findings silenced by inline ignores
  std::vector<rules::InputError> errors;
  std::vector<rules::InputError> warnings;  // inputs audited, but with a caveat (unset variables)
  int files_audited = 0;
  int containers_audited = 0;
};

// `client` is used only with options.live and may be null otherwise.
AuditResult runAudit(const AuditOptions& options, docker::Client* client);

}  // namespace shipshape::audit
