// The rules that read a Compose project (merged files): resources, logging, restart, data, security,
// deployment and credentials, per service. Pure: the project in, findings out.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "compose/project.h"
#include "rules/finding.h"

namespace shipshape::rules {

// What a locally present image says about itself, when an engine is at hand (--live): its VOLUMEs let SS302
// recognise stateful images that are not in the built-in list, and its USER and HEALTHCHECK settle SS401 and
// SS502 for services that set neither.
struct ImageFacts {
  std::set<std::string> volumes;
  std::string user;
  bool user_known = true;  // false: a Dockerfile that sets no USER (its base image decides)
  bool healthcheck = false;
};
using ImageFactsByRef = std::map<std::string, ImageFacts>;  // image reference as written -> facts

// The key under which a service's `build:` facts (its Dockerfile's final stage) are found.
std::string buildFactsKey(const compose::Node& build);

std::vector<Finding> checkCompose(const compose::Node& root, const ImageFactsByRef* images = nullptr);
inline std::vector<Finding> checkCompose(const compose::Project& project) { return checkCompose(project.root); }

}  // namespace shipshape::rules
