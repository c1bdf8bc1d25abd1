// Inline ignores: a comment `# shipshape ignore=SS401,SS502 reason...` on the line (or comment block) right
// above a finding's line or above the start of its instruction silences those rules there.
#pragma once

#include <string>
#include <vector>

#include "rules/finding.h"

namespace shipshape::audit {

// Removes ignored findings of one file from `findings` (those whose location.file is `path`); returns how
// many were removed. `lines` are the file's physical lines.
int applyInlineIgnores(const std::string& path, const std::vector<std::string>& lines,
                       std::vector<rules::Finding>& findings);

}  // namespace shipshape::audit
