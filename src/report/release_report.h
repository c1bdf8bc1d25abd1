// The release ledger as JSON: `shipshape releases -f json` and the dashboard's /api/v1/releases.
#pragma once

#include <string>
#include <vector>

#include "store/release.h"

namespace shipshape::report {

// An array of releases, in the order given; times in RFC 3339 and in ms since the epoch.
std::string releasesJson(const std::vector<store::Release>& releases);

}  // namespace shipshape::report
