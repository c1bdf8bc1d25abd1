// Findings: what a rule reports, where, and how bad. Plain values shared by the audit, the reports and CI.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace shipshape::rules {

enum class Severity { kInfo = 0, kLow = 1, kMedium = 2, kHigh = 3, kCritical = 4 };

const char* severityName(Severity s);
// "critical", "high", ... (case-insensitive); false when unknown.
bool parseSeverity(std::string_view text, Severity* out);

// Where a finding is: a file position, or a live object (container, image, volume, daemon).
struct Location {
  std::string file;  // as given on the command line, relative or absolute
  int line = 0;      // 1-based; 0 when not a file
  int column = 0;    // 1-based
  int anchor_line = 0;  // first line of the enclosing instruction or YAML node, for inline ignores
  std::string object_kind;  // "container", "image", "volume", "daemon", "client-config" for live findings
  std::string object_name;

  static Location inFile(std::string path, int line = 0, int column = 0) {
    Location l;
    l.file = std::move(path);
    l.line = line;
    l.column = column;
    return l;
  }
  static Location object(std::string kind, std::string name) {
    Location l;
    l.object_kind = std::move(kind);
    l.object_name = std::move(name);
    return l;
  }
  // "Dockerfile:3:1" or "container web-1"
  std::string display() const;
};

struct Finding {
  std::string rule_id;
  Severity severity = Severity::kInfo;
  std::string message;  // specific to this occurrence; secret values already redacted
  Location location;
};

// A file or object that could not be audited: reported, and the run goes on.
struct InputError {
  Location location;
  std::string message;
  // true: the file was read but is not valid (the parser's position and words, as BuildKit or Compose would
  // refuse it); false: it could not be read at all.
  bool invalid = false;
};

}  // namespace shipshape::rules
