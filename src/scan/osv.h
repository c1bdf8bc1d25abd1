// Vulnerabilities from an OSV database on disk: the OSV schema's JSON records (one per file, as
// osv.dev's per-ecosystem all.zip unpacks), matched against an image's packages with each ecosystem's own
// version order. No network: the database is whatever the directory holds.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "rules/finding.h"
#include "scan/packages.h"

namespace shipshape::scan {

struct OsvEvent {
  enum Kind { kIntroduced, kFixed, kLastAffected, kLimit } kind;
  std::string version;
};

struct OsvAffected {
  std::string ecosystem, package;
  std::vector<std::vector<OsvEvent>> ranges;  // ECOSYSTEM ranges only (GIT/SEMVER do not apply to distro packages)
  std::vector<std::string> versions;          // listed affected versions
  std::string severity;                       // ecosystem_specific/database_specific severity, if any
};

struct OsvRecord {
  std::string id, summary, file;
  std::vector<std::string> aliases;
  std::string cvss_vector;  // CVSS_V3 from "severity", if any
  std::string severity;     // database_specific.severity, if any
  std::vector<OsvAffected> affected;
};

// Parses one record; the error names the file and what is wrong.
Result<OsvRecord> parseOsvRecord(std::string_view json, const std::string& file);

// The CVSS v3.x base score of a vector ("CVSS:3.1/AV:N/AC:L/..."), nullopt when it is not one.
std::optional<double> cvss3BaseScore(std::string_view vector);
rules::Severity severityOfScore(double score);

struct Vulnerability {
  std::string id;
  std::vector<std::string> aliases;
  std::string summary;
  rules::Severity severity = rules::Severity::kInfo;
  bool severity_known = false;
  std::string severity_source;            // "CVSS:3.1/..." or "database: HIGH"
  double score = 0;                       // CVSS base score when known
  std::string package, installed, fixed;  // fixed: empty when no fix is known
  std::string ecosystem, file;
  int package_index = -1;  // into the inventory
};

class VulnerabilityDb {
 public:
  // Reads every *.json below `dir`, keeping the records that name one of `ecosystems` (others are skipped
  // before they are parsed). Unparsable files are counted and named, not fatal.
  static Result<VulnerabilityDb> load(const std::string& dir, const std::vector<std::string>& ecosystems);

  std::vector<Vulnerability> match(const std::vector<Package>& packages, const std::string& ecosystem) const;

  std::size_t records() const { return records_; }
  const std::vector<std::string>& skipped() const { return skipped_; }  // "file: why"

 private:
  std::size_t records_ = 0;
  // (ecosystem, package) -> records naming it
  std::map<std::pair<std::string, std::string>, std::vector<std::size_t>> index_;
  std::vector<OsvRecord> records_list_;
  std::vector<std::string> skipped_;
};

// Whether `version` falls in one affected entry (ranges or listed versions), by `ecosystem`'s order; `fixed`
// gets the fixing version of the range that matched, if any.
bool isAffected(const OsvAffected& affected, std::string_view version, std::string* fixed);

}  // namespace shipshape::scan
