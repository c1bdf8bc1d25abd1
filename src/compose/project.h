// A Compose project as `docker compose -f a.yml -f b.yml` sees it: each file read with its .env
// interpolation, anchors and merge keys resolved, then merged in order per the Compose Specification
// (mappings recursively; `volumes` by target; `environment`, `labels`, `build.args` by name; `command`,
// `entrypoint` and `healthcheck.test` replaced; other sequences appended without duplicates).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "compose/interpolation.h"
#include "compose/tree.h"

namespace shipshape::compose {

struct Project {
  std::vector<std::string> files;
  Node root;  // merged; root.get("services") is a map of service name -> service
  std::map<std::string, std::vector<std::string>> lines;  // file -> physical lines, for inline ignores
};

// Reads and merges `files` (the first one's directory holds the .env). `env` is the process environment;
// the .env file fills what it does not set. Errors carry "file:line:column: message".
Result<Project> loadProject(const std::vector<std::string>& files, const Environment& env);

// Parses YAML into a Node tree with positions; with `env`, scalars are interpolated. Also used for
// shipshape's own YAML configuration files (env = nullptr).
// `warnings` (optional) receives "file:line:column: variable X is not set ..." for each unset variable used
// without a default; such scalars are marked `unresolved`.
Result<Node> parseYaml(const std::string& path, std::string_view text, const Environment* env,
                       std::vector<std::string>* warnings = nullptr);

// Reads and parses a YAML file without interpolation (shipshape's own config files).
Result<Node> readYamlFile(const std::string& path);
// "file:line:column" of a node (of its key, when `key` and the node is a map value).
std::string positionOf(const Node& node, bool key = false);

// Reads one file (used by loadProject and by the audit, which parses each file once).
Result<Node> loadFile(const std::string& path, const std::string& text, const Environment& env,
                      std::vector<std::string>* warnings = nullptr);

// Merges already-read files, in order, as loadProject does.
Node mergeFiles(const std::vector<const Node*>& files);

// The environment a project in `directory` interpolates with: `process_env`, filled in from directory/.env.
Environment projectEnvironment(const std::string& directory, const Environment& process_env);

// Physical lines of a file's text, for inline ignores.
std::vector<std::string> splitLines(const std::string& text);

// The process environment as a map.
Environment processEnvironment();

// The environment an audit interpolates with: the process environment without the variables that describe
// the auditor's own session rather than the deploy target (HOME, USER, PWD, SHELL, ...): a `${HOME}/data`
// bind must not become the CI runner's home directory. Those stay unset and are reported.
Environment auditEnvironment();

}  // namespace shipshape::compose
