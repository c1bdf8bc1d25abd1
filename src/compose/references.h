// Internal to the compose module: what loadFile does after parsing a file. `include:` pulls in other Compose
// files (their services, volumes, networks, configs and secrets; a name defined twice is an error, as in
// Compose) and `extends:` builds a service on another one (same file or `file:`), merged with the
// multi-file rules. Both follow chains and report cycles with the chain; included and extended nodes keep
// the file and line they were written at, so findings point there.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "compose/interpolation.h"
#include "compose/tree.h"

namespace shipshape::compose {

// Parses one file, checks its shape and normalises list forms; no references followed.
Result<Node> parseComposeFile(const std::string& path, const std::string& text, const Environment& env,
                              std::vector<std::string>* warnings);

// Follows `include` and `extends` in `root`. `chain`: the files being loaded, outermost first.
Result<void> resolveReferences(Node& root, const Environment& env, std::vector<std::string>* warnings,
                               std::vector<std::string>& chain);

}  // namespace shipshape::compose
