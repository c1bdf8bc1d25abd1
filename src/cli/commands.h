// One function per subcommand; app.cpp wires them to the command line. Each returns the exit code.
#pragma once

#include <string>
#include <vector>

#include "cli/exit_code.h"
#include "cli/global_options.h"

namespace shipshape::cli {

struct VersionOptions {
  std::string format = "table";  // table | json
};
ExitCode runVersion(const GlobalOptions& global, const VersionOptions& options);

struct PsOptions {
  std::string format = "table";  // table | json
  bool running_only = false;
  bool quiet = false;
  std::vector<std::string> filters;  // key=value, as docker ps --filter
};
ExitCode runPs(const GlobalOptions& global, const PsOptions& options);

struct AuditCommandOptions {
  std::vector<std::string> paths;
  bool live = false;
  std::string format = "table";  // table | json | sarif
  std::string fail_on;           // severity or "none"; empty: the config's, else high
  std::string config;
};
ExitCode runAudit(const GlobalOptions& global, const AuditCommandOptions& options);

ExitCode runRules(const std::string& format);  // table | json | md

}  // namespace shipshape::cli
