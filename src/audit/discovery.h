// Which files an audit reads: Dockerfiles (Dockerfile, *.Dockerfile, Dockerfile.*, *.dockerfile) and Compose
// files (compose.yaml, compose.yml, docker-compose.yml, docker-compose.*.yml, compose.*.yaml, overrides);
// directories are searched recursively, skipping .git and node_modules.
#pragma once

#include <string>
#include <vector>

#include "rules/finding.h"

namespace shipshape::audit {

enum class FileKind { kDockerfile, kCompose };

struct InputFile {
  std::string path;
  FileKind kind;
};

// Classifies a file name; false when it is neither.
bool classifyName(const std::string& filename, FileKind* kind);

// Expands the paths given on the command line. A path that does not exist is an input error; an explicit
// file whose name is not recognised is read as a Dockerfile, or as Compose when it ends in .yml/.yaml.
std::vector<InputFile> discoverInputs(const std::vector<std::string>& paths, std::vector<rules::InputError>* errors);

}  // namespace shipshape::audit
