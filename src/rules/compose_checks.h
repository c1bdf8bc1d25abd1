// The rules that read a Compose project (merged files): resources, logging, restart, data, security,
// deployment and credentials, per service. Pure: the project in, findings out.
#pragma once

#include <vector>

#include "compose/project.h"
#include "rules/finding.h"

namespace shipshape::rules {

std::vector<Finding> checkCompose(const compose::Node& root);
inline std::vector<Finding> checkCompose(const compose::Project& project) { return checkCompose(project.root); }

}  // namespace shipshape::rules
