// The document model Compose files are read into: YAML nodes that remember the file, line and column they
// came from (so that merged multi-file projects still point at the right file), with `${VAR}`
// interpolation applied to scalars and YAML merge keys (`<<: *anchor`) resolved. Plain values.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace shipshape::compose {

struct Node {
  enum class Kind { kNull, kScalar, kMap, kSeq };
  Kind kind = Kind::kNull;
  std::string scalar;
  bool interpolated = false;  // the scalar's text came (partly) from a variable
  bool unresolved = false;    // ... from a variable that is not set: its text is not what will run
  std::vector<std::pair<std::string, Node>> map;  // in file order
  std::vector<Node> seq;
  std::string file;
  int line = 0, column = 0;  // 1-based
  int key_line = 0, key_column = 0;  // position of the key this node is the value of, when in a map

  // Declared here, defaulted in tree.cpp: a recursive member type (vector<pair<string, Node>>) must not have
  // its traits evaluated while Node is incomplete (clang with libstdc++ refuses; GCC let it pass).
  Node();
  Node(const Node&);
  Node(Node&&) noexcept;
  Node& operator=(const Node&);
  Node& operator=(Node&&) noexcept;
  ~Node();

  bool isMap() const { return kind == Kind::kMap; }
  bool isSeq() const { return kind == Kind::kSeq; }
  bool isScalar() const { return kind == Kind::kScalar; }
  const Node* get(std::string_view key) const;
  Node* get(std::string_view key);
  // The scalar, or "" for anything else.
  const std::string& text() const;
  bool truthy() const;  // true/yes/on/1
};

}  // namespace shipshape::compose
