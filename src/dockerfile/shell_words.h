// The word splitting and variable expansion BuildKit applies to ENV, ARG, LABEL, USER, FROM, COPY, ...:
// quotes ('literal', "expanding"), the escape character, and $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
// ${VAR:+alt}, ${VAR+alt}, ${VAR:?error}, ${VAR?error}. Pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shipshape::dockerfile {

using Variables = std::map<std::string, std::string>;

struct Word {
  std::string text;   // quotes removed, variables expanded
  bool had_variable = false;  // a $ reference was expanded (the value is not a literal in the file)
};

// Splits `text` into words on unquoted whitespace, expanding variables from `vars` (unset expands to "").
std::vector<Word> splitWords(std::string_view text, const Variables& vars, char escape = '\\');
// Expands one word (no splitting); unset variables expand to "" unless a default applies.
Word expandWord(std::string_view text, const Variables& vars, char escape = '\\');

}  // namespace shipshape::dockerfile
