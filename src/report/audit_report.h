// Renders an audit result for people (a table grouped by scenario, colours only on a TTY), for machines
// (JSON, schema in docs/audit-json.md) and for code scanning (SARIF 2.1.0, as GitHub accepts it).
#pragma once

#include <string>

#include "audit/audit.h"

namespace shipshape::report {

std::string auditTable(const audit::AuditResult& result, bool colour);
std::string auditJson(const audit::AuditResult& result);
// `base_dir`: file URIs are made relative to it (the working directory) when they lie below it.
std::string auditSarif(const audit::AuditResult& result, const std::string& base_dir);

}  // namespace shipshape::report
