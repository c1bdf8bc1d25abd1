// Compose variable interpolation: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:+alt}, ${VAR+alt},
// ${VAR:?message}, ${VAR?message}, and $$ for a literal $. Values come from the process environment and the
// project's .env file (the process environment wins).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace shipshape::compose {

using Environment = std::map<std::string, std::string>;

struct Interpolated {
  std::string text;
  bool used_variable = false;
  // Variables used with neither a value nor a default (`$X`, `${X}`): Compose warns and substitutes "".
  std::vector<std::string> unset;
};

// A required variable that is unset fails with its message (the caller adds file:line:column).
Result<Interpolated> interpolate(std::string_view text, const Environment& env);

// Parses a .env file: KEY=VALUE lines, `export` prefixes, # comments, single or double quotes.
Environment parseDotEnv(std::string_view text);

}  // namespace shipshape::compose
