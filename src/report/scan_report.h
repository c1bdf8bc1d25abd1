// Renders scan results: a table for people (colours only on a TTY), JSON for machines
// (docs/scan-json.md), SARIF 2.1.0 for code scanning (one run per image; vulnerabilities are rules of their
// own, as trivy's SARIF has them) and a CycloneDX 1.5 SBOM (packages with purls and their layer, the OS,
// and the vulnerabilities found).
#pragma once

#include <string>
#include <vector>

#include "scan/scanner.h"

namespace shipshape::report {

std::string scanTable(const std::vector<scan::ScanResult>& results, bool colour);
std::string scanJson(const std::vector<scan::ScanResult>& results);
std::string scanSarif(const std::vector<scan::ScanResult>& results);
// One image's SBOM; `serial` is the BOM's urn:uuid and `timestamp` its ISO 8601 UTC time.
std::string scanCycloneDx(const scan::ScanResult& result, const std::string& serial, const std::string& timestamp);

}  // namespace shipshape::report
