// Version ordering as each package ecosystem defines it: dpkg's (epoch:upstream-revision, `~` before
// everything, letters before other symbols) and apk's (numbers, a letter, _alpha.._p suffixes, -rN). A
// vulnerability database's "fixed in" only means something when compared by the distribution's own rules.
// Pure functions.
#pragma once

#include <string_view>

namespace shipshape::scan {

// <0, 0, >0 as a is older than, equal to, newer than b (dpkg --compare-versions).
int compareDpkgVersions(std::string_view a, std::string_view b);
// The same for Alpine's apk (apk version -t).
int compareApkVersions(std::string_view a, std::string_view b);

}  // namespace shipshape::scan
