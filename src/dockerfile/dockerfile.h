// A Dockerfile read the way BuildKit reads it: parser directives (# syntax=, # escape=), line continuations
// (comments and blank lines inside them dropped), heredocs (RUN <<EOF ... EOF), JSON vs shell form, flags
// (--from=, --chown=, --mount=...), stages (FROM ... AS name) with ARG/ENV expansion. Plain values.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "dockerfile/shell_words.h"

namespace shipshape::dockerfile {

struct Heredoc {
  std::string name;     // EOF
  std::string content;  // lines between the marker and the terminator, each ending in \n
  bool strip_tabs = false;  // <<-EOF
  bool expand = true;       // false when the marker was quoted
};

struct Instruction {
  std::string keyword;  // upper-case: FROM, RUN, COPY, ...
  std::string args;     // everything after the keyword, continuations joined, flags included
  std::vector<std::string> flags;  // leading --name=value flags, in order
  std::string rest;     // args after the flags
  bool json_form = false;
  std::vector<std::string> json_args;  // exec form, when json_form
  std::vector<Heredoc> heredocs;
  int line = 0;      // 1-based line of the keyword
  int column = 0;    // 1-based column of the keyword
  int end_line = 0;  // last physical line (continuations, heredocs)

  // The value of --name=value, if given.
  std::optional<std::string> flag(std::string_view name) const;
};

struct Dockerfile {
  std::string path;
  char escape = '\\';
  std::string syntax;  // # syntax= directive
  std::vector<Instruction> instructions;
  // ARGs before the first FROM, with their defaults: they may be used in FROM lines.
  Variables global_args;
  // The physical lines (without newlines), for locating findings and reading inline ignore comments.
  std::vector<std::string> lines;
};

// A parse failure carries "path:line:column: message" in the error and kInvalidArgument.
Result<Dockerfile> parseDockerfile(std::string_view text, const std::string& path);

// One build stage, with what the final image inherits from it.
struct Stage {
  int index = 0;
  std::string name;        // AS name, lower-cased; empty when unnamed
  std::string base;        // FROM reference, expanded
  int parent_stage = -1;   // index of the earlier stage this one is FROM, or -1 for an external image
  const Instruction* from = nullptr;
  std::vector<const Instruction*> instructions;  // after FROM, in order
  // Effective settings, including what is inherited from a parent stage.
  std::optional<std::string> user;  // last USER, expanded; nullopt when never set
  const Instruction* user_instruction = nullptr;
  const Instruction* healthcheck = nullptr;  // last HEALTHCHECK (possibly NONE)
  Variables env;                             // ENV and ARG values in scope at the end
};

// Splits the instructions into stages and resolves inheritance. Stages point into `file`.
std::vector<Stage> buildStages(const Dockerfile& file);

}  // namespace shipshape::dockerfile
