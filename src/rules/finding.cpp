#include "rules/finding.h"

#include <cctype>

namespace shipshape::rules {

const char* severityName(Severity s) {
  switch (s) {
    case Severity::kInfo: return "info";
    case Severity::kLow: return "low";
    case Severity::kMedium: return "medium";
    case Severity::kHigh: return "high";
    case Severity::kCritical: return "critical";
  }
  return "info";
}

bool parseSeverity(std::string_view text, Severity* out) {
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (Severity s : {Severity::kInfo, Severity::kLow, Severity::kMedium, Severity::kHigh, Severity::kCritical}) {
    if (lower == severityName(s)) {
      *out = s;
      return true;
    }
  }
  return false;
}

std::string Location::display() const {
  if (!file.empty()) {
    std::string out = file;
    if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column > 0 ? column : 1);
    return out;
  }
  return object_kind + " " + object_name;
}

}  // namespace shipshape::rules
