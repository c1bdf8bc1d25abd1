#include "scan/image_config.h"

#include <cstdlib>
#include <set>

#include <nlohmann/json.hpp>

#include "rules/secrets.h"

namespace shipshape::scan {
namespace {

using nlohmann::json;

bool isRoot(const std::string& user) {
  std::string name = user.substr(0, user.find(':'));
  return name.empty() || name == "root" || name == "0";
}

// NAME=VALUE words at the start of `text` (after a BuildKit "|N " count, or an ENV line), as far as they go.
std::vector<std::pair<std::string, std::string>> assignments(std::string_view text, std::size_t max) {
  std::vector<std::pair<std::string, std::string>> out;
  while (out.size() < max) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    auto space = text.find(' ');
    std::string_view word = text.substr(0, space);
    auto eq = word.find('=');
    if (word.empty() || eq == std::string_view::npos || eq == 0) break;
    std::string value(word.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    out.emplace_back(std::string(word.substr(0, eq)), value);
    if (space == std::string_view::npos) break;
    text.remove_prefix(space);
  }
  return out;
}

ImageFinding configFinding(const char* rule, rules::Severity severity, std::string message, int layer = -1) {
  ImageFinding f;
  f.rule_id = rule;
  f.severity = severity;
  f.message = std::move(message);
  f.layer = layer;
  return f;
}

}  // namespace

Result<ImageConfig> readImageConfig(const std::string& text) {
  ImageConfig out;
  try {
    json j = json::parse(text);
    out.architecture = j.value("architecture", "");
    out.os = j.value("os", "");
    if (auto rootfs = j.find("rootfs"); rootfs != j.end() && rootfs->is_object() && rootfs->contains("diff_ids"))
      for (const auto& d : (*rootfs)["diff_ids"])
        if (d.is_string()) out.diff_ids.push_back(d.get<std::string>());
    std::set<std::string> env_reported;
    json config = j.contains("config") && j["config"].is_object() ? j["config"] : json::object();
    std::string user = config.contains("User") && config["User"].is_string() ? config["User"].get<std::string>() : "";
    if (isRoot(user))
      out.findings.push_back(
          configFinding("SS401", rules::Severity::kHigh,
                        user.empty() ? "the image runs as root (no USER)" : "the image runs as " + user));
    bool health = false;
    if (auto hc = config.find("Healthcheck"); hc != config.end() && hc->is_object() && (*hc)["Test"].is_array()) {
      const auto& test = (*hc)["Test"];
      health = !test.empty() && !(test[0].is_string() && test[0].get<std::string>() == "NONE");
    }
    if (!health)
      out.findings.push_back(configFinding("SS502", rules::Severity::kMedium, "the image has no HEALTHCHECK"));
    if (auto ports = config.find("ExposedPorts");
        ports != config.end() && ports->is_object() && ports->contains("22/tcp"))
      out.findings.push_back(configFinding("SS415", rules::Severity::kMedium, "the image exposes port 22 (SSH)"));
    if (auto env = config.find("Env"); env != config.end() && env->is_array()) {
      for (const auto& e : *env) {
        if (!e.is_string()) continue;
        std::string kv = e.get<std::string>();
        auto eq = kv.find('=');
        if (eq == std::string::npos) continue;
        std::string name = kv.substr(0, eq), value = kv.substr(eq + 1);
        if (rules::isSecretAssignment(name, value) && env_reported.insert(name).second)
          out.findings.push_back(
              configFinding("SS409", rules::Severity::kHigh,
                            "ENV " + name + "=" + rules::redact(value) + " is stored in the image config"));
      }
    }
    int layer = 0;
    if (auto history = j.find("history"); history != j.end() && history->is_array()) {
      for (const auto& h : *history) {
        if (!h.is_object()) continue;
        std::string created_by = h.value("created_by", "");
        bool empty = h.value("empty_layer", false);
        // Build arguments a RUN used are recorded in its history line: "|2 TOKEN=abc X=1 /bin/sh -c ...".
        std::string_view line = created_by;
        if (line.starts_with("RUN ")) line.remove_prefix(4);
        if (line.starts_with("|")) {
          auto space = line.find(' ');
          std::size_t count = std::strtoul(std::string(line.substr(1, space)).c_str(), nullptr, 10);
          for (const auto& [name, value] :
               assignments(line.substr(space == std::string_view::npos ? line.size() : space), count))
            if (rules::isSecretAssignment(name, value))
              out.findings.push_back(configFinding(
                  "SS409", rules::Severity::kHigh,
                  "build argument " + name + "=" + rules::redact(value) + " is recorded in the image history",
                  empty ? -1 : layer));
        }
        // An ENV that a later one replaced is gone from the config but not from the history.
        for (std::string_view prefix : {"ENV ", "/bin/sh -c #(nop)  ENV "})
          if (line.starts_with(prefix))
            for (const auto& [name, value] : assignments(line.substr(prefix.size()), 64))
              if (rules::isSecretAssignment(name, value) && env_reported.insert(name).second)
                out.findings.push_back(
                    configFinding("SS409", rules::Severity::kHigh,
                                  "ENV " + name + "=" + rules::redact(value) + " is recorded in the image history",
                                  empty ? -1 : layer));
        if (!empty) {
          out.layer_history.push_back(created_by);
          ++layer;
        }
      }
    }
  } catch (const json::exception& e) {
    return fail(ErrorCode::kInvalidArgument, std::string("the image config: ") + e.what());
  }
  return out;
}

}  // namespace shipshape::scan
