// shipshape audit [PATH...] [--live] [--format table|json|sarif] [--fail-on SEVERITY] [--config FILE]
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "audit/audit.h"
#include "cli/commands.h"
#include "report/audit_report.h"

namespace shipshape::cli {

ExitCode runAudit(const GlobalOptions& global, const AuditCommandOptions& options) {
  audit::AuditOptions audit_options;
  audit_options.paths = options.paths;
  audit_options.live = options.live;
  if (audit_options.paths.empty() && !options.live) audit_options.paths.push_back(".");
  if (!options.config.empty()) {
    auto config = audit::loadAuditConfig(options.config);
    if (!config) {
      printError(config.error());
      return ExitCode::kError;
    }
    audit_options.config = *config;
  }
  rules::Severity threshold = audit_options.config.fail_on.value_or(rules::Severity::kHigh);
  bool never_fail = false;
  if (!options.fail_on.empty()) {
    if (options.fail_on == "none") {
      never_fail = true;
    } else if (!rules::parseSeverity(options.fail_on, &threshold)) {
      std::fprintf(stderr, "shipshape: --fail-on must be info|low|medium|high|critical|none\n");
      return ExitCode::kError;
    }
  }

  std::unique_ptr<docker::Client> client;
  if (options.live) {
    auto made = makeClient(global);
    if (!made) {
      printError(made.error());
      return ExitCode::kError;
    }
    client = std::move(*made);
  }
  auto result = audit::runAudit(audit_options, client.get());

  if (options.format == "json") {
    std::fputs(report::auditJson(result).c_str(), stdout);
  } else if (options.format == "sarif") {
    std::fputs(report::auditSarif(result, std::filesystem::current_path().string()).c_str(), stdout);
  } else {
    bool colour = ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
    std::fputs(report::auditTable(result, colour).c_str(), stdout);
  }
  if (!result.errors.empty()) return ExitCode::kError;
  if (never_fail) return ExitCode::kOk;
  for (const auto& f : result.findings) {
    if (f.severity >= threshold) return ExitCode::kFailed;
  }
  return ExitCode::kOk;
}

}  // namespace shipshape::cli
