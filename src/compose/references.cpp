#include "compose/references.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "common/file.h"
#include "compose/project.h"

namespace shipshape::compose {
namespace {

namespace fs = std::filesystem;

Error errorAtNode(const Node& n, const std::string& message) {
  return Error{ErrorCode::kInvalidArgument, positionOf(n, true) + ": " + message, {}, 0};
}

std::string chainText(const std::vector<std::string>& chain, const std::string& last) {
  std::string out;
  for (const auto& f : chain) out += f + " -> ";
  return out + last;
}

// `oci://...`, `git@...`, `https://...`, a custom loader's `remote:...`: Compose fetches those; an audit
// does not (no network), so they are reported and left out.
bool isRemoteReference(const std::string& ref) {
  auto colon = ref.find(':');
  if (colon == std::string::npos || colon < 2) return false;  // a path, or a Windows drive letter
  return std::all_of(ref.begin(), ref.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.' || c == '@';
  });
}

void warnRemote(const Node& at, const std::string& ref, const char* what, std::vector<std::string>* warnings) {
  if (warnings) {
    warnings->push_back(positionOf(at, true) + ": " + what + " " + ref +
                        " is a remote reference, not followed (no network during an audit)");
  }
}

// Reads, parses and resolves another file of the project (an include or an extends' file:).
Result<Node> loadReferenced(const Node& at, const std::string& relative, const Environment& env,
                            std::vector<std::string>* warnings, std::vector<std::string>& chain, const char* what) {
  std::string path = (fs::path(at.file).parent_path() / relative).lexically_normal().string();
  if (std::find(chain.begin(), chain.end(), path) != chain.end()) {
    return fail(errorAtNode(at, std::string(what) + " cycle: " + chainText(chain, path)));
  }
  auto text = readFile(path);
  if (!text)
    return fail(errorAtNode(at, std::string("cannot read the ") +
                                    (std::string(what) == "include" ? "included" : "extended") + " file " + path +
                                    ": " + text.error().message));
  // An included project reads its own directory's .env; an extended file shares its includer's environment.
  Environment file_env =
      std::string(what) == "include" ? projectEnvironment(fs::path(path).parent_path().string(), env) : env;
  auto node = parseComposeFile(path, *text, file_env, warnings);
  if (!node) return fail(node.error());
  chain.push_back(path);
  auto resolved = resolveReferences(*node, file_env, warnings, chain);
  chain.pop_back();
  if (!resolved) return fail(resolved.error());
  return node;
}

Result<void> followIncludes(Node& root, const Environment& env, std::vector<std::string>* warnings,
                            std::vector<std::string>& chain) {
  const Node* include = root.get("include");
  if (!include || include->kind == Node::Kind::kNull) return {};
  if (!include->isSeq()) return fail(errorAtNode(*include, "include must be a list"));
  std::vector<Node> imported;
  for (const auto& item : include->seq) {
    std::vector<const Node*> paths;
    if (item.isScalar()) paths.push_back(&item);
    if (item.isMap()) {
      const Node* p = item.get("path");
      if (p && p->isScalar()) paths.push_back(p);
      if (p && p->isSeq()) {
        for (const auto& x : p->seq) paths.push_back(&x);
      }
    }
    if (paths.empty()) return fail(errorAtNode(item, "an include needs a path"));
    std::vector<Node> files;
    bool remote = false;
    for (const Node* p : paths) {
      if (isRemoteReference(p->text())) {
        warnRemote(*p, p->text(), "include", warnings);
        remote = true;
        break;
      }
    }
    if (remote) continue;
    for (const Node* p : paths) {
      auto node = loadReferenced(*p, p->text(), env, warnings, chain, "include");
      if (!node) return fail(node.error());
      files.push_back(std::move(*node));
    }
    std::vector<const Node*> refs;
    for (const auto& f : files) refs.push_back(&f);
    imported.push_back(mergeFiles(refs));
  }
  for (const auto& other : imported) {
    for (const char* section : {"services", "volumes", "networks", "configs", "secrets"}) {
      const Node* theirs = other.get(section);
      if (!theirs || !theirs->isMap()) continue;
      Node* ours = root.get(section);
      if (!ours || ours->kind == Node::Kind::kNull) {
        if (ours) {
          *ours = *theirs;
        } else {
          root.map.emplace_back(section, *theirs);
        }
        continue;
      }
      if (!ours->isMap()) continue;
      for (const auto& [name, def] : theirs->map) {
        if (const Node* mine = ours->get(name)) {
          return fail(errorAtNode(*mine, std::string(section) + "." + name + " is also defined by the included " +
                                             def.file + ":" + std::to_string(def.key_line)));
        }
        ours->map.emplace_back(name, def);
      }
    }
  }
  // Included resources are part of this project now; the key itself has done its job.
  std::erase_if(root.map, [](const auto& kv) { return kv.first == "include"; });
  return {};
}

class Extender {
 public:
  Extender(Node& root, const Environment& env, std::vector<std::string>* warnings, std::vector<std::string>& chain)
      : root_(root), env_(env), warnings_(warnings), chain_(chain) {}

  Result<void> run() {
    Node* services = root_.get("services");
    if (!services || !services->isMap()) return {};
    for (auto& [name, svc] : services->map) {
      if (auto ok = resolve(name); !ok) return ok;
    }
    return {};
  }

 private:
  Result<void> resolve(const std::string& name) {
    if (done_.count(name)) return {};
    Node* svc = root_.get("services")->get(name);
    if (!svc || !svc->isMap()) return {};
    const Node* ext = svc->get("extends");
    if (!ext) {
      done_.insert(name);
      return {};
    }
    if (std::find(active_.begin(), active_.end(), name) != active_.end()) {
      std::string cycle;
      for (const auto& a : active_) cycle += a + " -> ";
      return fail(errorAtNode(*ext, "extends cycle: " + cycle + name));
    }
    std::string base_name = ext->isScalar() ? ext->text() : "";
    std::string file;
    if (ext->isMap()) {
      if (const Node* s = ext->get("service")) base_name = s->text();
      if (const Node* f = ext->get("file")) file = f->text();
    }
    if (base_name.empty()) return fail(errorAtNode(*ext, "extends needs a service"));
    Node base;
    if (!file.empty() && isRemoteReference(file)) {
      // The base lives elsewhere: judge the service on what it says itself.
      warnRemote(*ext, file, "extends file", warnings_);
      std::erase_if(svc->map, [](const auto& kv) { return kv.first == "extends"; });
      done_.insert(name);
      return {};
    }
    if (!file.empty()) {
      auto other = loadReferenced(*ext, file, env_, warnings_, chain_, "extend");
      if (!other) return fail(other.error());
      const Node* their = other->get("services");
      const Node* b = their && their->isMap() ? their->get(base_name) : nullptr;
      if (!b) return fail(errorAtNode(*ext, "extends: no service " + base_name + " in " + file));
      base = *b;
    } else {
      const Node* ours = root_.get("services")->get(base_name);
      if (!ours) return fail(errorAtNode(*ext, "extends: no service " + base_name + " in this file"));
      active_.push_back(name);
      auto ok = resolve(base_name);
      active_.pop_back();
      if (!ok) return ok;
      base = *root_.get("services")->get(base_name);
    }
    // The service's own keys override the base's (the multi-file rules); the result sits where it is written.
    svc = root_.get("services")->get(name);
    Node own = *svc;
    std::erase_if(own.map, [](const auto& kv) { return kv.first == "extends"; });
    std::erase_if(base.map, [](const auto& kv) { return kv.first == "extends"; });
    Node merged = mergeFiles({&base, &own});
    merged.file = own.file;
    merged.line = own.line;
    merged.column = own.column;
    merged.key_line = own.key_line;
    merged.key_column = own.key_column;
    *svc = std::move(merged);
    done_.insert(name);
    return {};
  }

  Node& root_;
  const Environment& env_;
  std::vector<std::string>* warnings_;
  std::vector<std::string>& chain_;
  std::set<std::string> done_;
  std::vector<std::string> active_;
};

}  // namespace

Result<void> resolveReferences(Node& root, const Environment& env, std::vector<std::string>* warnings,
                               std::vector<std::string>& chain) {
  if (chain.size() > 32) return fail(errorAtNode(root, "include/extends chain deeper than 32 files"));
  if (auto ok = followIncludes(root, env, warnings, chain); !ok) return ok;
  return Extender(root, env, warnings, chain).run();
}

}  // namespace shipshape::compose
