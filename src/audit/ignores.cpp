#include "audit/ignores.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace shipshape::audit {
namespace {

// Rule IDs named by the ignore comments directly above `line` (1-based).
std::set<std::string> ignoredAbove(const std::vector<std::string>& lines, int line) {
  std::set<std::string> ids;
  for (int l = line - 1; l >= 1; --l) {
    const std::string& text = lines[static_cast<std::size_t>(l - 1)];
    auto first = text.find_first_not_of(" \t");
    if (first == std::string::npos || text[first] != '#') break;  // the comment block ends
    auto marker = text.find("shipshape ignore=", first);
    if (marker == std::string::npos) continue;
    std::size_t i = marker + 17;
    std::string id;
    for (; i <= text.size(); ++i) {
      char c = i < text.size() ? text[i] : ' ';
      if (c == ',' || std::isspace(static_cast<unsigned char>(c))) {
        if (!id.empty()) ids.insert(id);
        id.clear();
        if (c != ',') break;
      } else {
        id += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
    }
  }
  return ids;
}

}  // namespace

int applyInlineIgnores(const std::string& path, const std::vector<std::string>& lines,
                       std::vector<rules::Finding>& findings) {
  auto before = findings.size();
  findings.erase(std::remove_if(findings.begin(), findings.end(),
                                [&](const rules::Finding& f) {
                                  if (f.location.file != path || f.location.line <= 0) return false;
                                  auto ids = ignoredAbove(lines, f.location.line);
                                  if (f.location.anchor_line > 0 && f.location.anchor_line != f.location.line) {
                                    auto more = ignoredAbove(lines, f.location.anchor_line);
                                    ids.insert(more.begin(), more.end());
                                  }
                                  return ids.count(f.rule_id) > 0 || ids.count("ALL") > 0;
                                }),
                 findings.end());
  return static_cast<int>(before - findings.size());
}

}  // namespace shipshape::audit
