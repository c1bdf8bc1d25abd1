#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "compose/project.h"

extern char** environ;

namespace shipshape::compose {
namespace {

Error errorAt(const std::string& path, int line, int column, const std::string& message) {
  return Error{ErrorCode::kInvalidArgument,
               path + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message, {}, 0};
}

class Converter {
 public:
  Converter(const std::string& path, const Environment& env) : path_(path), env_(env) {}

  Result<Node> convert(const YAML::Node& y) {
    Node n;
    n.file = path_;
    n.line = y.Mark().line + 1;
    n.column = y.Mark().column + 1;
    switch (y.Type()) {
      case YAML::NodeType::Scalar: {
        n.kind = Node::Kind::kScalar;
        auto value = interpolate(y.Scalar(), env_);
        if (!value) return fail(errorAt(path_, n.line, n.column, value.error().message));
        n.scalar = std::move(value->text);
        n.interpolated = value->used_variable;
        break;
      }
      case YAML::NodeType::Sequence:
        n.kind = Node::Kind::kSeq;
        for (const auto& item : y) {
          auto child = convert(item);
          if (!child) return child;
          n.seq.push_back(std::move(*child));
        }
        break;
      case YAML::NodeType::Map: {
        n.kind = Node::Kind::kMap;
        std::vector<const YAML::Node*> merges;
        std::vector<YAML::Node> merge_holder;
        for (auto it = y.begin(); it != y.end(); ++it) {
          if (!it->first.IsScalar()) {
            return fail(errorAt(path_, it->first.Mark().line + 1, it->first.Mark().column + 1, "mapping keys must be strings"));
          }
          std::string key = it->first.Scalar();
          if (key == "<<") {  // YAML merge key: yaml-cpp leaves it to us
            merge_holder.push_back(it->second);
            continue;
          }
          if (n.get(key)) {
            return fail(errorAt(path_, it->first.Mark().line + 1, it->first.Mark().column + 1, "duplicate key " + key));
          }
          auto child = convert(it->second);
          if (!child) return child;
          child->key_line = it->first.Mark().line + 1;
          child->key_column = it->first.Mark().column + 1;
          n.map.emplace_back(key, std::move(*child));
        }
        // Explicit keys win over merged ones; earlier merge sources win over later ones.
        for (const auto& source : merge_holder) {
          std::vector<YAML::Node> maps;
          if (source.IsMap()) maps.push_back(source);
          if (source.IsSequence()) {
            for (const auto& m : source) maps.push_back(m);
          }
          for (const auto& m : maps) {
            if (!m.IsMap()) {
              return fail(errorAt(path_, m.Mark().line + 1, m.Mark().column + 1, "<< must merge a mapping"));
            }
            auto merged = convert(m);
            if (!merged) return merged;
            for (auto& [k, v] : merged->map) {
              if (!n.get(k)) n.map.emplace_back(k, std::move(v));
            }
          }
        }
        break;
      }
      default:
        n.kind = Node::Kind::kNull;
    }
    return n;
  }

 private:
  const std::string& path_;
  const Environment& env_;
};

// environment/labels/args as lists ("K=V" or "K") become maps, so that merging and rules see one shape.
void normalizeKeyValueLists(Node& n) {
  if (!n.isSeq()) return;
  Node map;
  map.kind = Node::Kind::kMap;
  map.file = n.file;
  map.line = n.line;
  map.column = n.column;
  map.key_line = n.key_line;
  map.key_column = n.key_column;
  for (auto& item : n.seq) {
    const std::string& t = item.text();
    auto eq = t.find('=');
    Node value = item;
    value.key_line = item.line;
    value.key_column = item.column;
    if (eq == std::string::npos) {
      value.kind = Node::Kind::kNull;
      value.scalar.clear();
    } else {
      value.scalar = t.substr(eq + 1);
    }
    map.map.emplace_back(t.substr(0, eq), std::move(value));
  }
  n = std::move(map);
}

void normalizeServices(Node& root) {
  Node* services = root.get("services");
  if (!services || !services->isMap()) return;
  for (auto& [name, svc] : services->map) {
    if (!svc.isMap()) continue;
    if (Node* e = svc.get("environment")) normalizeKeyValueLists(*e);
    if (Node* l = svc.get("labels")) normalizeKeyValueLists(*l);
    if (Node* b = svc.get("build"); b && b->isMap()) {
      if (Node* a = b->get("args")) normalizeKeyValueLists(*a);
    }
  }
}

// The mount target of a service volume entry, short ("src:/dst:ro") or long ({target: /dst}) syntax.
std::string volumeTarget(const Node& v) {
  if (v.isMap()) {
    const Node* t = v.get("target");
    return t ? t->text() : "";
  }
  const std::string& t = v.text();
  auto first = t.find(':');
  if (first == std::string::npos) return t;
  auto second = t.find(':', first + 1);
  return t.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
}

std::string identity(const Node& n) {
  if (n.isScalar()) return n.scalar;
  std::string out;
  for (const auto& [k, v] : n.map) out += k + "=" + identity(v) + ";";
  for (const auto& v : n.seq) out += identity(v) + ",";
  return out;
}

void mergeInto(Node& base, const Node& over, const std::string& key) {
  if (base.isMap() && over.isMap()) {
    for (const auto& [k, v] : over.map) {
      if (Node* existing = base.get(k)) {
        mergeInto(*existing, v, k);
      } else {
        base.map.emplace_back(k, v);
      }
    }
    return;
  }
  if (base.isSeq() && over.isSeq() && key != "command" && key != "entrypoint" && key != "test") {
    for (const auto& item : over.seq) {
      auto same = [&](const Node& existing) {
        return key == "volumes" ? volumeTarget(existing) == volumeTarget(item) : identity(existing) == identity(item);
      };
      auto it = std::find_if(base.seq.begin(), base.seq.end(), same);
      if (it != base.seq.end()) {
        *it = item;
      } else {
        base.seq.push_back(item);
      }
    }
    return;
  }
  int key_line = base.key_line, key_column = base.key_column;
  base = over;
  if (base.key_line == 0) {
    base.key_line = key_line;
    base.key_column = key_column;
  }
}

}  // namespace

Environment processEnvironment() {
  Environment env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

Result<Node> loadFile(const std::string& path, const std::string& text, const Environment& env) {
  YAML::Node doc;
  try {
    doc = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    return fail(errorAt(path, e.mark.line + 1, e.mark.column + 1, e.msg));
  } catch (const YAML::Exception& e) {
    return fail(errorAt(path, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  if (!doc.IsMap()) return fail(errorAt(path, 1, 1, "a Compose file must be a mapping at the top level"));
  Result<Node> root = Converter(path, env).convert(doc);
  if (!root) return root;
  const Node* services = root->get("services");
  if (services && !services->isMap() && services->kind != Node::Kind::kNull) {
    return fail(errorAt(path, services->line, services->column, "services must be a mapping"));
  }
  if (services && services->isMap()) {
    for (const auto& [name, svc] : services->map) {
      if (!svc.isMap() && svc.kind != Node::Kind::kNull) {
        return fail(errorAt(path, svc.line, svc.column, "service " + name + " must be a mapping"));
      }
    }
  }
  normalizeServices(*root);
  return root;
}

Node mergeFiles(const std::vector<const Node*>& files) {
  Node root;
  bool first = true;
  for (const Node* n : files) {
    if (first) {
      root = *n;
      first = false;
    } else {
      mergeInto(root, *n, "");
    }
  }
  return root;
}

Environment projectEnvironment(const std::string& directory, const Environment& process_env) {
  Environment env = process_env;
  std::ifstream in(std::filesystem::path(directory.empty() ? "." : directory) / ".env");
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    for (auto& [k, v] : parseDotEnv(ss.str())) env.emplace(k, v);  // the process environment wins
  }
  return env;
}

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream split(text);
  for (std::string line; std::getline(split, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

Result<Project> loadProject(const std::vector<std::string>& files, const Environment& process_env) {
  Project project;
  project.files = files;
  if (files.empty()) return project;
  Environment env = projectEnvironment(std::filesystem::path(files.front()).parent_path().string(), process_env);
  std::vector<Node> nodes;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(ErrorCode::kIo, path + ": cannot read: " + std::strerror(errno));
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    project.lines[path] = splitLines(text);
    auto node = loadFile(path, text, env);
    if (!node) return fail(node.error());
    nodes.push_back(std::move(*node));
  }
  std::vector<const Node*> pointers;
  for (const auto& n : nodes) pointers.push_back(&n);
  project.root = mergeFiles(pointers);
  return project;
}

}  // namespace shipshape::compose
