// shipshape rules [--format table|json|md]: the audit's rule catalog.
#include <cstdio>

#include "cli/commands.h"
#include "report/rules_doc.h"

namespace shipshape::cli {

ExitCode runRules(const std::string& format) {
  std::string out = format == "json" ? report::rulesJson() : format == "md" ? report::rulesMarkdown() : report::rulesTable();
  std::fputs(out.c_str(), stdout);
  return ExitCode::kOk;
}

}  // namespace shipshape::cli
