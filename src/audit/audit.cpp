#include "audit/audit.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>
#include <fstream>
#include <sstream>

#include "audit/discovery.h"
#include "audit/ignores.h"
#include "audit/live_collector.h"
#include "dockerfile/dockerfile.h"
#include "compose/project.h"
#include "rules/compose_checks.h"
#include "rules/dockerfile_checks.h"

namespace shipshape::audit {
namespace {

std::optional<std::string> readWhole(const std::string& path, std::string* why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *why = std::string("cannot read: ") + std::strerror(errno);
    return std::nullopt;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Parsers report "path:line:column: message"; split it back into a location for SARIF and JSON.
rules::InputError errorFromParser(const std::string& path, const Error& error) {
  rules::InputError e{rules::Location::inFile(path, 1, 1), error.message};
  const std::string& m = error.message;
  if (m.rfind(path + ":", 0) == 0) {
    int line = 0, column = 0;
    char colon = 0;
    std::istringstream rest(m.substr(path.size() + 1));
    if (rest >> line >> colon >> column && colon == ':') {
      e.location.line = line;
      e.location.column = column;
      auto text = m.find(": ", path.size() + 1);
      if (text != std::string::npos) e.message = m.substr(text + 2);
    }
  }
  return e;
}

void auditDockerfile(const InputFile& input, AuditResult& result) {
  std::string why;
  auto text = readWhole(input.path, &why);
  if (!text) {
    result.errors.push_back({rules::Location::inFile(input.path), why});
    return;
  }
  auto parsed = dockerfile::parseDockerfile(*text, input.path);
  if (!parsed) {
    result.errors.push_back(errorFromParser(input.path, parsed.error()));
    return;
  }
  auto findings = rules::checkDockerfile(*parsed);
  result.suppressed += applyInlineIgnores(input.path, parsed->lines, findings);
  result.findings.insert(result.findings.end(), findings.begin(), findings.end());
  ++result.files_audited;
}

bool isBaseComposeName(const std::string& name) {
  return name == "compose.yaml" || name == "compose.yml" || name == "docker-compose.yaml" ||
         name == "docker-compose.yml";
}
bool isDefaultOverrideName(const std::string& name) {
  return name == "compose.override.yaml" || name == "compose.override.yml" ||
         name == "docker-compose.override.yaml" || name == "docker-compose.override.yml";
}

// Compose files are audited as the projects `docker compose` would build from them: in each directory the
// base file plus its default override, and each other variant (docker-compose.prod.yml, ...) on top of the
// base, as `-f base -f variant`. Files without a base in their directory stand alone.
std::vector<std::vector<std::string>> composeProjects(const std::vector<InputFile>& inputs) {
  std::map<std::string, std::vector<std::string>> by_dir;
  for (const auto& in : inputs) {
    if (in.kind == FileKind::kCompose) {
      by_dir[std::filesystem::path(in.path).parent_path().string()].push_back(in.path);
    }
  }
  std::vector<std::vector<std::string>> projects;
  for (auto& [dir, files] : by_dir) {
    std::string base, override_file;
    std::vector<std::string> variants;
    for (const auto& f : files) {
      std::string name = std::filesystem::path(f).filename().string();
      if (base.empty() && isBaseComposeName(name)) {
        base = f;
      } else if (override_file.empty() && isDefaultOverrideName(name)) {
        override_file = f;
      } else {
        variants.push_back(f);
      }
    }
    if (base.empty()) {
      if (!override_file.empty()) variants.push_back(override_file);
      for (const auto& v : variants) projects.push_back({v});
      continue;
    }
    projects.push_back(override_file.empty() ? std::vector<std::string>{base}
                                             : std::vector<std::string>{base, override_file});
    for (const auto& v : variants) projects.push_back({base, v});
  }
  return projects;
}

void auditComposeProjects(const std::vector<InputFile>& inputs, AuditResult& result) {
  // Each file is read and parsed once; a broken file is reported on its own and left out of every project.
  auto process_env = compose::processEnvironment();
  std::map<std::string, compose::Environment> env_by_dir;
  std::map<std::string, compose::Node> parsed;
  std::map<std::string, std::vector<std::string>> lines;
  for (const auto& in : inputs) {
    if (in.kind != FileKind::kCompose) continue;
    std::string why;
    auto text = readWhole(in.path, &why);
    if (!text) {
      result.errors.push_back({rules::Location::inFile(in.path), why});
      continue;
    }
    std::string dir = std::filesystem::path(in.path).parent_path().string();
    auto env_it = env_by_dir.find(dir);
    if (env_it == env_by_dir.end()) env_it = env_by_dir.emplace(dir, compose::projectEnvironment(dir, process_env)).first;
    auto node = compose::loadFile(in.path, *text, env_it->second);
    if (!node) {
      result.errors.push_back(errorFromParser(in.path, node.error()));
      continue;
    }
    parsed.emplace(in.path, std::move(*node));
    lines.emplace(in.path, compose::splitLines(*text));
  }
  std::vector<InputFile> usable;
  for (const auto& in : inputs) {
    if (in.kind == FileKind::kCompose && parsed.count(in.path)) usable.push_back(in);
  }
  std::set<std::tuple<std::string, std::string, int, int, std::string>> seen;
  for (const auto& files : composeProjects(usable)) {
    compose::Project project;
    project.files = files;
    std::vector<const compose::Node*> nodes;
    for (const auto& f : files) {
      nodes.push_back(&parsed.at(f));
      project.lines[f] = lines.at(f);
    }
    project.root = compose::mergeFiles(nodes);
    auto findings = rules::checkCompose(project);
    for (const auto& [file, file_lines] : project.lines) {
      result.suppressed += applyInlineIgnores(file, file_lines, findings);
    }
    for (auto& f : findings) {
      // A base file's findings show up in every project built on it; keep one.
      if (seen.insert({f.rule_id, f.location.file, f.location.line, f.location.column, f.message}).second) {
        result.findings.push_back(std::move(f));
      }
    }
  }
  result.files_audited += static_cast<int>(parsed.size());
}

void applyConfig(const AuditConfig& config, std::vector<rules::Finding>& findings) {
  findings.erase(std::remove_if(findings.begin(), findings.end(),
                                [&](const rules::Finding& f) {
                                  auto it = config.rules.find(f.rule_id);
                                  return it != config.rules.end() && !it->second.enabled;
                                }),
                 findings.end());
  for (auto& f : findings) {
    auto it = config.rules.find(f.rule_id);
    if (it != config.rules.end() && it->second.severity) f.severity = *it->second.severity;
  }
}

}  // namespace

AuditResult runAudit(const AuditOptions& options, docker::Client* client) {
  AuditResult result;
  auto inputs = discoverInputs(options.paths, &result.errors);
  for (const auto& input : inputs) {
    if (input.kind == FileKind::kDockerfile) auditDockerfile(input, result);
  }
  auditComposeProjects(inputs, result);
  if (options.live && client != nullptr) {
    auto snapshot = collectLive(*client, &result.errors);
    if (!snapshot) {
      result.errors.push_back({rules::Location::object("daemon", client->endpoint().display()), snapshot.error().describe()});
    } else {
      auto findings = rules::checkLive(*snapshot);
      result.findings.insert(result.findings.end(), findings.begin(), findings.end());
      result.containers_audited = static_cast<int>(snapshot->containers.size());
    }
  }
  applyConfig(options.config, result.findings);
  std::stable_sort(result.findings.begin(), result.findings.end(), [](const rules::Finding& a, const rules::Finding& b) {
    return std::tie(a.location.file, a.location.line, a.location.column, a.location.object_kind,
                    a.location.object_name, a.rule_id) < std::tie(b.location.file, b.location.line, b.location.column,
                                                                    b.location.object_kind, b.location.object_name,
                                                                    b.rule_id);
  });
  return result;
}

}  // namespace shipshape::audit
