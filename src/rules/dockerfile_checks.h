// The rules that read a Dockerfile (SS401, SS409, SS411, SS501, SS502, SS503, SS604). Pure: the file in,
// findings out; inline ignores are applied later by the audit.
#pragma once

#include <vector>

#include "dockerfile/dockerfile.h"
#include "rules/finding.h"

namespace shipshape::rules {

std::vector<Finding> checkDockerfile(const dockerfile::Dockerfile& file);

}  // namespace shipshape::rules
