#include "admit/policy.h"

#include <fnmatch.h>

#include <map>

#include "compose/project.h"
#include "rules/catalog.h"

namespace shipshape::admit {

using compose::Node;

namespace {

std::string at(const Node& n) { return compose::positionOf(n); }

Result<std::vector<std::string>> stringList(const Node& n) {
  if (!n.isSeq()) return fail(ErrorCode::kInvalidArgument, at(n) + ": expected a list");
  std::vector<std::string> out;
  for (const auto& item : n.seq) {
    if (!item.isScalar()) return fail(ErrorCode::kInvalidArgument, at(item) + ": expected a string");
    out.push_back(item.text());
  }
  return out;
}

Result<void> unknownKey(const Node& map, std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : map.map) {
    bool ok = false;
    for (auto k : known) ok = ok || key == k;
    if (!ok) return fail(ErrorCode::kInvalidArgument, compose::positionOf(value, true) + ": unknown key '" + key + "'");
  }
  return {};
}

}  // namespace

Result<Mode> parseMode(const std::string& text) {
  if (text == "enforce") return Mode::kEnforce;
  if (text == "warn") return Mode::kWarn;
  return fail(ErrorCode::kInvalidArgument, "mode must be enforce or warn, not '" + text + "'");
}

const char* modeName(Mode mode) { return mode == Mode::kEnforce ? "enforce" : "warn"; }

Result<AdmitConfig> loadAdmitConfig(const std::string& path) {
  auto root = compose::readYamlFile(path);
  if (!root) return fail(root.error());
  AdmitConfig c;
  if (root->kind == Node::Kind::kNull) return c;
  if (!root->isMap()) return fail(ErrorCode::kInvalidArgument, at(*root) + ": expected a mapping");
  if (auto ok = unknownKey(*root, {"mode", "deny", "min_severity", "exempt", "judge"}); !ok) return fail(ok.error());
  if (const Node* n = root->get("mode")) {
    auto mode = parseMode(n->text());
    if (!mode) return fail(ErrorCode::kInvalidArgument, at(*n) + ": " + mode.error().message);
    c.mode = *mode;
  }
  if (const Node* n = root->get("deny")) {
    auto ids = stringList(*n);
    if (!ids) return fail(ids.error());
    c.deny.clear();
    for (std::size_t i = 0; i < ids->size(); ++i) {
      const auto* rule = rules::findRule((*ids)[i]);
      if (!rule || !(rule->targets & rules::kLive)) {
        return fail(ErrorCode::kInvalidArgument,
                    at(n->seq[i]) + ": '" + (*ids)[i] + "' is not a rule that judges containers (see shipshape rules)");
      }
      c.deny.insert((*ids)[i]);
    }
  }
  if (const Node* n = root->get("min_severity")) {
    if (!rules::parseSeverity(n->text(), &c.min_severity)) {
      return fail(ErrorCode::kInvalidArgument, at(*n) + ": expected info, low, medium, high or critical");
    }
  }
  if (const Node* n = root->get("exempt")) {
    if (!n->isMap()) return fail(ErrorCode::kInvalidArgument, at(*n) + ": expected a mapping with label and images");
    if (auto ok = unknownKey(*n, {"label", "images"}); !ok) return fail(ok.error());
    if (const Node* l = n->get("label")) c.exempt_label = l->text();
    if (const Node* i = n->get("images")) {
      auto images = stringList(*i);
      if (!images) return fail(images.error());
      c.exempt_images = std::move(*images);
    }
  }
  if (const Node* n = root->get("judge")) {
    auto what = stringList(*n);
    if (!what) return fail(what.error());
    c.judge_create = c.judge_exec = false;
    for (std::size_t i = 0; i < what->size(); ++i) {
      if ((*what)[i] == "create") {
        c.judge_create = true;
      } else if ((*what)[i] == "exec") {
        c.judge_exec = true;
      } else {
        return fail(ErrorCode::kInvalidArgument, at(n->seq[i]) + ": expected create or exec, not '" + (*what)[i] + "'");
      }
    }
  }
  return c;
}

const char* verdictName(Verdict::Kind kind) {
  switch (kind) {
    case Verdict::Kind::kAllow: return "allowed";
    case Verdict::Kind::kDeny: return "denied";
    case Verdict::Kind::kWarn: return "warned";
    case Verdict::Kind::kExempt: return "exempt";
  }
  return "allowed";
}

std::string runFlagFix(const std::string& rule_id) {
  static const std::map<std::string, std::string> kFixes = {
      {"SS101", "--memory 512m"},
      {"SS102", "--cpus 1"},
      {"SS103", "--pids-limit 512"},
      {"SS301", "-v NAME:PATH for the image's VOLUME"},
      {"SS303", "-v NAME:PATH instead of an anonymous volume"},
      {"SS401", "--user 10001:10001 (or USER in the Dockerfile)"},
      {"SS402", "--read-only"},
      {"SS403", "drop --privileged; add only the capability it needs"},
      {"SS404", "drop --security-opt ...=unconfined"},
      {"SS405", "--security-opt no-new-privileges"},
      {"SS406", "drop the --cap-add"},
      {"SS407", "do not mount the Docker socket; use a scoped API proxy"},
      {"SS408", "drop --network/--pid/--ipc host"},
      {"SS409", "pass secrets as files (--secret, a mounted file), not env/labels"},
      {"SS410", "mount only the directory it needs, read-only"},
      {"SS501", "run the image by digest (IMAGE@sha256:...) or an immutable tag"},
      {"SS502", "--health-cmd ... (or HEALTHCHECK in the Dockerfile)"},
  };
  auto it = kFixes.find(rule_id);
  return it == kFixes.end() ? "see `shipshape rules " + rule_id + "`" : it->second;
}

Verdict judge(const AdmitConfig& config, const std::string& subject, const std::string& image,
              const docker::Labels& labels, const std::vector<rules::Finding>& findings) {
  Verdict v;
  for (const auto& f : findings) {
    if (config.deny.count(f.rule_id) && f.severity >= config.min_severity) v.violations.push_back(f);
  }
  if (v.violations.empty()) return v;
  std::string message =
      subject + " breaks " + std::to_string(v.violations.size()) + (v.violations.size() == 1 ? " rule: " : " rules: ");
  for (std::size_t i = 0; i < v.violations.size(); ++i) {
    const auto& f = v.violations[i];
    const auto* rule = rules::findRule(f.rule_id);
    message += (i ? "; " : "") + f.rule_id + " " + std::string(rule ? rule->name : "") + ": " + f.message +
               " (fix: " + runFlagFix(f.rule_id) + ")";
  }
  bool exempt = false;
  if (auto it = labels.find(config.exempt_label); !config.exempt_label.empty() && it != labels.end()) {
    exempt = it->second == "true" || it->second == "1" || it->second == "yes";
  }
  for (const auto& pattern : config.exempt_images) {
    exempt = exempt || fnmatch(pattern.c_str(), image.c_str(), 0) == 0;
  }
  if (exempt) {
    v.kind = Verdict::Kind::kExempt;
    v.message = message + " - allowed: exempt";
  } else if (config.mode == Mode::kWarn) {
    v.kind = Verdict::Kind::kWarn;
    v.message = message + " - allowed: warn mode";
  } else {
    v.kind = Verdict::Kind::kDeny;
    v.message = message;
  }
  return v;
}

}  // namespace shipshape::admit
