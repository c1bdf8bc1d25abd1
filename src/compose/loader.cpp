#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>

#include <yaml.h>

#include "common/file.h"
#include "compose/project.h"
#include "compose/references.h"

extern char** environ;

namespace shipshape::compose {
namespace {

Error errorAt(const std::string& path, int line, int column, const std::string& message) {
  return Error{ErrorCode::kInvalidArgument,
               path + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message, {}, 0};
}

// Builds our Node tree from libyaml's document (aliases already point at their anchor's node).
class Converter {
 public:
  Converter(const std::string& path, const Environment* env, yaml_document_t* doc)
      : path_(path), env_(env), doc_(doc) {}

  // Aliases can make a small file expand into a huge tree ("billion laughs"). libyaml keeps aliases as shared
  // nodes, so the document itself stays small; what would blow up is our expanded copy. The expanded size is
  // computed on the shared graph first (memoised per node), and a document over the limits is refused before
  // a single Node is built.
  static constexpr std::uint64_t kMaxExpandedNodes = 200000;
  static constexpr std::uint64_t kMaxExpandedBytes = 32ull << 20;

  std::vector<std::string> takeWarnings() { return std::move(warnings_); }

  Result<void> checkExpansion(yaml_node_t* root) {
    std::size_t count = static_cast<std::size_t>(doc_->nodes.top - doc_->nodes.start);
    sizes_.assign(count, {0, 0});
    state_.assign(count, 0);
    auto total = expandedSize(root, 0);
    if (!total) return fail(total.error());
    return {};
  }

  Result<Node> convert(yaml_node_t* y, int depth = 0) {
    if (depth > 64 || ++nodes_ > kMaxExpandedNodes) {
      return fail(errorAt(path_, static_cast<int>(y->start_mark.line) + 1, static_cast<int>(y->start_mark.column) + 1,
                          "document nests or expands too much"));
    }
    Node n;
    n.file = path_;
    n.line = static_cast<int>(y->start_mark.line) + 1;
    n.column = static_cast<int>(y->start_mark.column) + 1;
    switch (y->type) {
      case YAML_SCALAR_NODE: {
        std::string_view text(reinterpret_cast<const char*>(y->data.scalar.value), y->data.scalar.length);
        if (y->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
            (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")) {
          n.kind = Node::Kind::kNull;
          break;
        }
        n.kind = Node::Kind::kScalar;
        if (env_ == nullptr) {
          n.scalar = std::string(text);
          break;
        }
        auto value = interpolate(text, *env_);
        if (!value) return fail(errorAt(path_, n.line, n.column, value.error().message));
        n.scalar = std::move(value->text);
        n.interpolated = value->used_variable;
        if (!value->unset.empty()) {
          n.unresolved = true;
          for (const auto& name : value->unset) {
            warnings_.push_back(path_ + ":" + std::to_string(n.line) + ":" + std::to_string(n.column) + ": variable " +
                                name + " is not set (Compose would use an empty string); " +
                                "the value is left out of the audit");
          }
        }
        break;
      }
      case YAML_SEQUENCE_NODE:
        n.kind = Node::Kind::kSeq;
        for (yaml_node_item_t* item = y->data.sequence.items.start; item < y->data.sequence.items.top; ++item) {
          auto child = convert(yaml_document_get_node(doc_, *item), depth + 1);
          if (!child) return child;
          n.seq.push_back(std::move(*child));
        }
        break;
      case YAML_MAPPING_NODE: {
        n.kind = Node::Kind::kMap;
        std::vector<yaml_node_t*> merges;
        for (yaml_node_pair_t* pair = y->data.mapping.pairs.start; pair < y->data.mapping.pairs.top; ++pair) {
          yaml_node_t* key = yaml_document_get_node(doc_, pair->key);
          yaml_node_t* value = yaml_document_get_node(doc_, pair->value);
          int key_line = static_cast<int>(key->start_mark.line) + 1;
          int key_column = static_cast<int>(key->start_mark.column) + 1;
          if (key->type != YAML_SCALAR_NODE) return fail(errorAt(path_, key_line, key_column, "mapping keys must be strings"));
          std::string k(reinterpret_cast<const char*>(key->data.scalar.value), key->data.scalar.length);
          if (k == "<<" && key->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {  // a YAML merge key
            merges.push_back(value);
            continue;
          }
          if (n.get(k)) return fail(errorAt(path_, key_line, key_column, "duplicate key " + k));
          auto child = convert(value, depth + 1);
          if (!child) return child;
          child->key_line = key_line;
          child->key_column = key_column;
          n.map.emplace_back(std::move(k), std::move(*child));
        }
        // Explicit keys win over merged ones; earlier merge sources win over later ones.
        for (yaml_node_t* source : merges) {
          std::vector<yaml_node_t*> maps;
          if (source->type == YAML_MAPPING_NODE) maps.push_back(source);
          if (source->type == YAML_SEQUENCE_NODE) {
            for (yaml_node_item_t* item = source->data.sequence.items.start; item < source->data.sequence.items.top; ++item) {
              maps.push_back(yaml_document_get_node(doc_, *item));
            }
          }
          for (yaml_node_t* m : maps) {
            if (m->type != YAML_MAPPING_NODE) {
              return fail(errorAt(path_, static_cast<int>(m->start_mark.line) + 1,
                                  static_cast<int>(m->start_mark.column) + 1, "<< must merge a mapping"));
            }
            auto merged = convert(m, depth + 1);
            if (!merged) return merged;
            for (auto& [mk, mv] : merged->map) {
              if (!n.get(mk)) n.map.emplace_back(mk, std::move(mv));
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
  struct Size {
    std::uint64_t nodes, bytes;
  };
  Result<Size> expandedSize(yaml_node_t* y, int depth) {
    auto index = static_cast<std::size_t>(y - doc_->nodes.start);
    auto refuse = [&](const std::string& why) {
      return fail(
          errorAt(path_, static_cast<int>(y->start_mark.line) + 1, static_cast<int>(y->start_mark.column) + 1, why));
    };
    if (depth > 64) return refuse("document nests too deeply (more than 64 levels)");
    if (state_[index] == 2) return sizes_[index];
    if (state_[index] == 1) return refuse("an alias refers to the node that contains it");
    state_[index] = 1;
    Size size{1, 0};
    auto add = [&](yaml_node_t* child) -> Result<void> {
      auto s = expandedSize(child, depth + 1);
      if (!s) return fail(s.error());
      size.nodes += s->nodes;
      size.bytes += s->bytes;
      if (size.nodes > kMaxExpandedNodes || size.bytes > kMaxExpandedBytes) {
        return refuse("aliases expand the document past " + std::to_string(kMaxExpandedNodes) + " nodes or " +
                      std::to_string(kMaxExpandedBytes >> 20) + " MiB (an alias bomb?)");
      }
      return {};
    };
    if (y->type == YAML_SCALAR_NODE) {
      size.bytes = y->data.scalar.length;
    } else if (y->type == YAML_SEQUENCE_NODE) {
      for (yaml_node_item_t* item = y->data.sequence.items.start; item < y->data.sequence.items.top; ++item) {
        if (auto ok = add(yaml_document_get_node(doc_, *item)); !ok) return fail(ok.error());
      }
    } else if (y->type == YAML_MAPPING_NODE) {
      for (yaml_node_pair_t* pair = y->data.mapping.pairs.start; pair < y->data.mapping.pairs.top; ++pair) {
        if (auto ok = add(yaml_document_get_node(doc_, pair->key)); !ok) return fail(ok.error());
        if (auto ok = add(yaml_document_get_node(doc_, pair->value)); !ok) return fail(ok.error());
      }
    }
    state_[index] = 2;
    sizes_[index] = size;
    return size;
  }

  const std::string& path_;
  const Environment* env_;
  yaml_document_t* doc_;
  std::uint64_t nodes_ = 0;
  std::vector<Size> sizes_;
  std::vector<char> state_;  // 0 unseen, 1 in progress, 2 done
  std::vector<std::string> warnings_;
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

Environment auditEnvironment() {
  Environment env = processEnvironment();
  for (const char* session : {"HOME", "USER", "LOGNAME", "PWD", "OLDPWD", "SHELL", "HOSTNAME", "TERM", "TMPDIR",
                              "XDG_RUNTIME_DIR", "MAIL", "SHLVL", "_"}) {
    env.erase(session);
  }
  return env;
}

Result<Node> parseYaml(const std::string& path, std::string_view text, const Environment* env,
                       std::vector<std::string>* warnings) {
  yaml_parser_t parser;
  yaml_document_t doc;
  if (!yaml_parser_initialize(&parser)) return fail(ErrorCode::kInternal, "libyaml: cannot initialise a parser");
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  if (!yaml_parser_load(&parser, &doc)) {
    std::string message = parser.problem ? parser.problem : "invalid YAML";
    if (parser.context) message = std::string(parser.context) + ": " + message;
    Error e = errorAt(path, static_cast<int>(parser.problem_mark.line) + 1, static_cast<int>(parser.problem_mark.column) + 1,
                      message);
    yaml_parser_delete(&parser);
    return fail(e);
  }
  Result<Node> out = Node{};
  out->file = path;
  out->line = out->column = 1;
  if (yaml_node_t* root = yaml_document_get_root_node(&doc)) {
    Converter converter(path, env, &doc);
    if (auto ok = converter.checkExpansion(root); !ok) {
      out = fail(ok.error());
    } else {
      out = converter.convert(root);
      if (warnings) {
        for (auto& warning : converter.takeWarnings()) warnings->push_back(std::move(warning));
      }
    }
  }
  yaml_document_delete(&doc);
  yaml_parser_delete(&parser);
  return out;
}

Result<Node> readYamlFile(const std::string& path) {
  auto text = readFile(path);
  if (!text) return fail(text.error());
  return parseYaml(path, *text, nullptr);
}

std::string positionOf(const Node& n, bool key) {
  int line = key && n.key_line ? n.key_line : n.line;
  int column = key && n.key_line ? n.key_column : n.column;
  return n.file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

Result<Node> loadFile(const std::string& path, const std::string& text, const Environment& env,
                      std::vector<std::string>* warnings) {
  auto root = parseComposeFile(path, text, env, warnings);
  if (!root) return root;
  std::vector<std::string> chain{std::filesystem::path(path).lexically_normal().string()};
  if (auto ok = resolveReferences(*root, env, warnings, chain); !ok) return fail(ok.error());
  return root;
}

Result<Node> parseComposeFile(const std::string& path, const std::string& text, const Environment& env,
                              std::vector<std::string>* warnings) {
  auto root = parseYaml(path, text, &env, warnings);
  if (!root) return root;
  if (!root->isMap()) return fail(errorAt(path, root->line, root->column, "a Compose file must be a mapping at the top level"));
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
  if (auto dotenv = readFile((std::filesystem::path(directory.empty() ? "." : directory) / ".env").string())) {
    for (auto& [k, v] : parseDotEnv(*dotenv)) env.emplace(k, v);  // the process environment wins
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
    auto text = readFile(path);
    if (!text) return fail(text.error());
    project.lines[path] = splitLines(*text);
    auto node = loadFile(path, *text, env);
    if (!node) return fail(node.error());
    nodes.push_back(std::move(*node));
  }
  std::vector<const Node*> pointers;
  for (const auto& n : nodes) pointers.push_back(&n);
  project.root = mergeFiles(pointers);
  return project;
}

}  // namespace shipshape::compose
