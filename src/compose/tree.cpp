#include "compose/tree.h"

namespace shipshape::compose {

Node::Node() = default;
Node::Node(const Node&) = default;
Node::Node(Node&&) noexcept = default;
Node& Node::operator=(const Node&) = default;
Node& Node::operator=(Node&&) noexcept = default;
Node::~Node() = default;

const Node* Node::get(std::string_view key) const {
  for (const auto& [k, v] : map) {
    if (k == key) return &v;
  }
  return nullptr;
}

Node* Node::get(std::string_view key) {
  for (auto& [k, v] : map) {
    if (k == key) return &v;
  }
  return nullptr;
}

const std::string& Node::text() const {
  static const std::string kEmpty;
  return kind == Kind::kScalar ? scalar : kEmpty;
}

bool Node::truthy() const {
  const std::string& t = text();
  return t == "true" || t == "True" || t == "TRUE" || t == "yes" || t == "on" || t == "1";
}

}  // namespace shipshape::compose
