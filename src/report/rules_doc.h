// The rule catalog rendered for people and tools: `shipshape rules`, and docs/rules.md generated from it.
#pragma once

#include <string>

namespace shipshape::report {

std::string rulesTable();
std::string rulesJson();
std::string rulesMarkdown();

}  // namespace shipshape::report
