#include "audit/audit.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <sstream>

#include "audit/discovery.h"
#include "audit/ignores.h"
#include "audit/live_collector.h"
#include "audit/parallel.h"
#include "common/file.h"
#include "dockerfile/dockerfile.h"
#include "compose/project.h"
#include "rules/compose_checks.h"
#include "rules/dockerfile_checks.h"

namespace shipshape::audit {
namespace {

// Parsers report "path:line:column: message"; split it back into a location for SARIF and JSON.
rules::InputError errorFromParser(const std::string& path, const Error& error) {
  rules::InputError e{rules::Location::inFile(path, 1, 1), error.message, true};
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

rules::InputError warningFromText(const std::string& path, const std::string& text) {
  auto warning = errorFromParser(path, Error{ErrorCode::kInvalidArgument, text, {}, 0});
  warning.invalid = false;
  return warning;
}

// What auditing one file produced; merged into the AuditResult in input order.
struct FileOutcome {
  std::vector<rules::Finding> findings;
  std::optional<rules::InputError> error;
  int suppressed = 0;
};

FileOutcome auditDockerfile(const std::string& path) {
  FileOutcome out;
  auto text = readFile(path);
  if (!text) {
    out.error = rules::InputError{rules::Location::inFile(path), text.error().message};
    return out;
  }
  auto parsed = dockerfile::parseDockerfile(*text, path);
  if (!parsed) {
    out.error = errorFromParser(path, parsed.error());
    return out;
  }
  out.findings = rules::checkDockerfile(*parsed);
  out.suppressed = applyInlineIgnores(path, parsed->lines, out.findings);
  return out;
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

// With an engine at hand (--live), what locally present images declare (VOLUME, USER, HEALTHCHECK).
rules::ImageFactsByRef localImageFacts(docker::Client& client, const std::map<std::string, const compose::Node*>& roots) {
  rules::ImageFactsByRef out;
  std::set<std::string> missing;
  for (const auto& [path, root] : roots) {
    const compose::Node* services = root->get("services");
    if (!services || !services->isMap()) continue;
    for (const auto& [name, svc] : services->map) {
      const compose::Node* image = svc.isMap() ? svc.get("image") : nullptr;
      if (!image || image->text().empty() || out.count(image->text()) || missing.count(image->text())) continue;
      auto inspected = client.inspectImage(image->text());
      if (!inspected) {
        missing.insert(image->text());  // not pulled here: judge from the Compose file alone
        continue;
      }
      const auto& hc = inspected->config.healthcheck;
      out[image->text()] = {.volumes = inspected->config.volumes,
                            .user = inspected->config.user,
                            .healthcheck = hc && !hc->test.empty() && hc->test.front() != "NONE"};
    }
  }
  return out;
}

// A service's `build:` names the image it runs: the final (or `target:`) stage of its Dockerfile settles its
// USER and HEALTHCHECK, as a local image would. Keyed as rules::buildFactsKey expects. Unreadable or invalid
// Dockerfiles are left out here: the audit reports them on their own when it reaches them.
void addBuildFacts(const std::map<std::string, const compose::Node*>& roots, rules::ImageFactsByRef& out) {
  namespace fs = std::filesystem;
  for (const auto& [path, root] : roots) {
    const compose::Node* services = root->get("services");
    if (!services || !services->isMap()) continue;
    for (const auto& [name, svc] : services->map) {
      const compose::Node* build = svc.isMap() ? svc.get("build") : nullptr;
      if (!build || build->unresolved) continue;
      std::string context = build->isScalar() ? build->text() : "";
      std::string dockerfile = "Dockerfile", target;
      if (build->isMap()) {
        if (const auto* c = build->get("context")) context = c->text();
        if (const auto* d = build->get("dockerfile")) dockerfile = d->text();
        if (const auto* t = build->get("target")) target = t->text();
        if (build->get("dockerfile_inline")) continue;
      }
      if (context.empty()) context.assign(1, '.');  // (assign, not = ".": GCC 12 -Wrestrict false positive)
      if (context.find("://") != std::string::npos || context.ends_with(".git")) continue;  // a remote context
      fs::path file = fs::path(dockerfile).is_absolute() ? fs::path(dockerfile)
                                                         : fs::path(build->file).parent_path() / context / dockerfile;
      auto text = readFile(file.lexically_normal().string());
      if (!text) continue;
      auto parsed = dockerfile::parseDockerfile(*text, file.string());
      if (!parsed) continue;
      auto stages = dockerfile::buildStages(*parsed);
      if (stages.empty()) continue;
      const dockerfile::Stage* stage = &stages.back();
      for (const auto& st : stages) {
        if (!target.empty() && st.name == target) stage = &st;
      }
      rules::ImageFacts facts;
      facts.user = stage->user.value_or("");
      facts.user_known = stage->user.has_value();
      facts.healthcheck = stage->healthcheck && !stage->healthcheck->rest.starts_with("NONE");
      out[rules::buildFactsKey(*build)] = facts;
    }
  }
}

void auditComposeProjects(const std::vector<InputFile>& inputs, docker::Client* client, AuditResult& result) {
  std::vector<std::string> paths;
  for (const auto& in : inputs) {
    if (in.kind == FileKind::kCompose) paths.push_back(in.path);
  }
  // The environment per directory (the process's, filled in from that directory's .env), computed up front.
  auto process_env = compose::auditEnvironment();
  std::map<std::string, compose::Environment> env_by_dir;
  for (const auto& p : paths) {
    std::string dir = std::filesystem::path(p).parent_path().string();
    if (!env_by_dir.count(dir)) env_by_dir.emplace(dir, compose::projectEnvironment(dir, process_env));
  }
  // Each file is read and parsed once, in parallel; a broken file is reported on its own and left out of
  // every project.
  struct Parsed {
    std::optional<compose::Node> node;
    std::vector<std::string> lines;
    std::optional<rules::InputError> error;
    std::vector<std::string> warnings;
  };
  std::vector<Parsed> parsed(paths.size());
  parallelFor(paths.size(), [&](std::size_t i) {
    auto text = readFile(paths[i]);
    if (!text) {
      parsed[i].error = rules::InputError{rules::Location::inFile(paths[i]), text.error().message};
      return;
    }
    const auto& env = env_by_dir.at(std::filesystem::path(paths[i]).parent_path().string());
    auto node = compose::loadFile(paths[i], *text, env, &parsed[i].warnings);
    if (!node) {
      parsed[i].error = errorFromParser(paths[i], node.error());
      return;
    }
    parsed[i].node = std::move(*node);
    parsed[i].lines = compose::splitLines(*text);
  });
  std::map<std::string, const Parsed*> by_path;
  std::vector<InputFile> usable;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (parsed[i].error) {
      result.errors.push_back(*parsed[i].error);
      continue;
    }
    for (const auto& w : parsed[i].warnings) result.warnings.push_back(warningFromText(paths[i], w));
    by_path[paths[i]] = &parsed[i];
    usable.push_back({paths[i], FileKind::kCompose});
  }
  auto projects = composeProjects(usable);
  std::map<std::string, const compose::Node*> roots;
  for (const auto& [path, p] : by_path) roots[path] = &*p->node;
  rules::ImageFactsByRef image_facts;
  if (client != nullptr) image_facts = localImageFacts(*client, roots);
  addBuildFacts(roots, image_facts);
  const rules::ImageFactsByRef* volumes = image_facts.empty() ? nullptr : &image_facts;
  std::vector<FileOutcome> outcomes(projects.size());
  parallelFor(projects.size(), [&](std::size_t i) {
    const auto& files = projects[i];
    std::vector<rules::Finding> findings;
    if (files.size() == 1) {
      findings = rules::checkCompose(*by_path.at(files[0])->node, volumes);  // no merge, no copy
    } else {
      std::vector<const compose::Node*> nodes;
      for (const auto& f : files) nodes.push_back(&*by_path.at(f)->node);
      findings = rules::checkCompose(compose::mergeFiles(nodes), volumes);
    }
    for (const auto& f : files) outcomes[i].suppressed += applyInlineIgnores(f, by_path.at(f)->lines, findings);
    outcomes[i].findings = std::move(findings);
  });
  // A base file's findings show up in every project built on it; keep one.
  std::set<std::tuple<std::string, std::string, int, int, std::string>> seen;
  for (auto& outcome : outcomes) {
    result.suppressed += outcome.suppressed;
    for (auto& f : outcome.findings) {
      if (projects.size() == 1 || seen.insert({f.rule_id, f.location.file, f.location.line, f.location.column, f.message}).second) {
        result.findings.push_back(std::move(f));
      }
    }
  }
  result.files_audited += static_cast<int>(by_path.size());
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
  std::vector<std::string> dockerfiles;
  for (const auto& input : inputs) {
    if (input.kind == FileKind::kDockerfile) dockerfiles.push_back(input.path);
  }
  std::vector<FileOutcome> outcomes(dockerfiles.size());
  parallelFor(dockerfiles.size(), [&](std::size_t i) { outcomes[i] = auditDockerfile(dockerfiles[i]); });
  for (auto& outcome : outcomes) {
    if (outcome.error) {
      result.errors.push_back(std::move(*outcome.error));
      continue;
    }
    ++result.files_audited;
    result.suppressed += outcome.suppressed;
    std::move(outcome.findings.begin(), outcome.findings.end(), std::back_inserter(result.findings));
  }
  auditComposeProjects(inputs, options.live ? client : nullptr, result);
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
