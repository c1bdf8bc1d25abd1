#include "audit/config.h"

#include "compose/project.h"
#include "rules/catalog.h"

namespace shipshape::audit {
namespace {

std::string at(const compose::Node& n, bool key = false) { return compose::positionOf(n, key); }

Result<rules::Severity> severityAt(const compose::Node& n, const std::string& what) {
  rules::Severity s;
  if (!n.isScalar() || !rules::parseSeverity(n.text(), &s)) {
    return fail(ErrorCode::kInvalidArgument, at(n) + ": " + what + " must be info|low|medium|high|critical");
  }
  return s;
}

}  // namespace

Result<AuditConfig> loadAuditConfig(const std::string& path) {
  auto root = compose::readYamlFile(path);
  if (!root) return fail(root.error());
  AuditConfig config;
  if (root->kind == compose::Node::Kind::kNull) return config;
  if (!root->isMap()) return fail(ErrorCode::kInvalidArgument, at(*root) + ": expected a mapping");
  if (const auto* f = root->get("fail-on")) {
    auto s = severityAt(*f, "fail-on");
    if (!s) return fail(s.error());
    config.fail_on = *s;
  }
  if (const auto* r = root->get("rules")) {
    if (!r->isMap()) return fail(ErrorCode::kInvalidArgument, at(*r) + ": rules must be a mapping");
    for (const auto& [id, v] : r->map) {
      if (!rules::findRule(id)) return fail(ErrorCode::kInvalidArgument, at(v, true) + ": unknown rule " + id);
      RuleOverride o;
      if (v.isScalar()) {
        // Shorthand: SS104: off   /   SS101: critical
        rules::Severity s;
        if (v.text() == "off" || v.text() == "false" || v.text() == "disabled") {
          o.enabled = false;
        } else if (rules::parseSeverity(v.text(), &s)) {
          o.severity = s;
        } else {
          return fail(ErrorCode::kInvalidArgument, at(v) + ": expected off or a severity for " + id);
        }
      } else if (v.isMap()) {
        if (const auto* e = v.get("enabled")) o.enabled = e->truthy();
        if (const auto* sev = v.get("severity")) {
          auto s = severityAt(*sev, "severity of " + id);
          if (!s) return fail(s.error());
          o.severity = *s;
        }
      } else {
        return fail(ErrorCode::kInvalidArgument, at(v) + ": expected a mapping for " + id);
      }
      config.rules[id] = o;
    }
  }
  return config;
}

}  // namespace shipshape::audit
