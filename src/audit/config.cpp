#include "audit/config.h"

#include <yaml-cpp/yaml.h>

#include "rules/catalog.h"

namespace shipshape::audit {
namespace {

std::string at(const std::string& path, const YAML::Node& node) {
  const auto m = node.Mark();
  return path + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

}  // namespace

Result<AuditConfig> loadAuditConfig(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return fail(ErrorCode::kIo, path + ": cannot read the config file");
  } catch (const YAML::ParserException& e) {
    return fail(ErrorCode::kInvalidArgument, path + ":" + std::to_string(e.mark.line + 1) + ":" +
                                                 std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  AuditConfig config;
  if (!root || root.IsNull()) return config;
  if (!root.IsMap()) return fail(ErrorCode::kInvalidArgument, at(path, root) + ": expected a mapping");
  try {
    if (auto f = root["fail-on"]) {
      rules::Severity s;
      if (!rules::parseSeverity(f.as<std::string>(), &s)) {
        return fail(ErrorCode::kInvalidArgument, at(path, f) + ": fail-on must be info|low|medium|high|critical");
      }
      config.fail_on = s;
    }
    if (auto r = root["rules"]) {
      if (!r.IsMap()) return fail(ErrorCode::kInvalidArgument, at(path, r) + ": rules must be a mapping");
      for (const auto& entry : r) {
        std::string id = entry.first.as<std::string>();
        if (!rules::findRule(id)) {
          return fail(ErrorCode::kInvalidArgument, at(path, entry.first) + ": unknown rule " + id);
        }
        RuleOverride o;
        const YAML::Node& v = entry.second;
        if (v.IsScalar()) {
          // Shorthand: SS104: off   /   SS101: critical
          std::string text = v.as<std::string>();
          rules::Severity s;
          if (text == "off" || text == "false" || text == "disabled") {
            o.enabled = false;
          } else if (rules::parseSeverity(text, &s)) {
            o.severity = s;
          } else {
            return fail(ErrorCode::kInvalidArgument, at(path, v) + ": expected off or a severity for " + id);
          }
        } else if (v.IsMap()) {
          if (v["enabled"]) o.enabled = v["enabled"].as<bool>();
          if (auto sev = v["severity"]) {
            rules::Severity s;
            if (!rules::parseSeverity(sev.as<std::string>(), &s)) {
              return fail(ErrorCode::kInvalidArgument, at(path, sev) + ": unknown severity for " + id);
            }
            o.severity = s;
          }
        } else {
          return fail(ErrorCode::kInvalidArgument, at(path, v) + ": expected a mapping for " + id);
        }
        config.rules[id] = o;
      }
    }
  } catch (const YAML::Exception& e) {
    return fail(ErrorCode::kInvalidArgument, path + ":" + std::to_string(e.mark.line + 1) + ":" +
                                                 std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  return config;
}

}  // namespace shipshape::audit
