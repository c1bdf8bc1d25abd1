#include "report/audit_report.h"

#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "rules/catalog.h"

namespace shipshape::report {
namespace {

using nlohmann::json;
using rules::Severity;

json locationJson(const rules::Location& l) {
  if (!l.file.empty()) {
    json j = {{"file", l.file}};
    if (l.line > 0) {
      j["line"] = l.line;
      j["column"] = l.column > 0 ? l.column : 1;
    }
    return j;
  }
  return {{"object_kind", l.object_kind}, {"object_name", l.object_name}};
}

const char* sarifLevel(Severity s) {
  switch (s) {
    case Severity::kCritical:
    case Severity::kHigh: return "error";
    case Severity::kMedium: return "warning";
    default: return "note";
  }
}

const char* securitySeverity(Severity s) {
  switch (s) {
    case Severity::kCritical: return "9.5";
    case Severity::kHigh: return "8.0";
    case Severity::kMedium: return "5.5";
    case Severity::kLow: return "3.0";
    default: return "1.0";
  }
}

std::string uriFor(const std::string& file, const std::string& base_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path abs = fs::absolute(file, ec);
  fs::path rel = fs::relative(abs, base_dir, ec);
  std::string r = rel.generic_string();
  if (!ec && !r.empty() && r.rfind("..", 0) != 0) return r;
  return "file://" + abs.generic_string();
}

json equivalentsJson(const rules::Equivalents& e) {
  json j = json::object();
  for (const auto& [tool, ids] : e.known()) j[std::string(tool)] = std::string(ids);
  return j;
}

}  // namespace

std::string auditJson(const audit::AuditResult& r) {
  // Written as a stream rather than one DOM: a large audit has tens of thousands of findings, and building
  // them all as nlohmann objects first costs more than the audit itself. nlohmann still does the escaping.
  auto quote = [](std::string_view s) { return json(s).dump(); };
  std::string out;
  out.reserve(256 + r.findings.size() * 400);
  std::map<std::string, int> by_severity;
  for (const auto& f : r.findings) by_severity[rules::severityName(f.severity)]++;
  out += "{\n  \"tool\": \"shipshape\",\n  \"version\": \"" SHIPSHAPE_VERSION "\",\n  \"summary\": ";
  json summary = {{"files_audited", r.files_audited},
                  {"containers_audited", r.containers_audited},
                  {"findings", r.findings.size()},
                  {"suppressed", r.suppressed},
                  {"errors", r.errors.size()},
                  {"by_severity", by_severity}};
  out += summary.dump();
  out += ",\n  \"findings\": [";
  bool first = true;
  for (const auto& f : r.findings) {
    const rules::RuleInfo* info = rules::findRule(f.rule_id);
    out += first ? "\n    " : ",\n    ";
    first = false;
    out += "{\"rule_id\": " + quote(f.rule_id);
    out += ", \"name\": " + quote(info ? info->name : "");
    out += ", \"severity\": \"" + std::string(rules::severityName(f.severity)) + "\"";
    out += ", \"scenario\": " + std::to_string(info ? info->scenario : 0);
    out += ", \"scenario_name\": " + quote(info ? rules::scenarioName(info->scenario) : "");
    out += ", \"message\": " + quote(f.message);
    out += ", \"location\": " + locationJson(f.location).dump();
    out += ", \"fix\": " + quote(info ? info->fix : "");
    out += "}";
  }
  out += first ? "],\n  \"errors\": [" : "\n  ],\n  \"errors\": [";
  first = true;
  for (const auto& e : r.errors) {
    out += first ? "\n    " : ",\n    ";
    first = false;
    out += json{{"location", locationJson(e.location)},
                {"message", e.message},
                {"kind", e.invalid ? "invalid" : "unreadable"}}
               .dump();
  }
  out += first ? "],\n  \"warnings\": [" : "\n  ],\n  \"warnings\": [";
  first = true;
  for (const auto& e : r.warnings) {
    out += first ? "\n    " : ",\n    ";
    first = false;
    out += json{{"location", locationJson(e.location)}, {"message", e.message}}.dump();
  }
  out += first ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

std::string auditSarif(const audit::AuditResult& r, const std::string& base_dir) {
  json rules_json = json::array();
  std::map<std::string, int> rule_index;
  for (const auto& info : rules::catalog()) {
    rule_index[std::string(info.id)] = static_cast<int>(rules_json.size());
    std::string help = std::string(info.rationale) + "\n\nFix: " + std::string(info.fix);
    rules_json.push_back(
        {{"id", info.id},
         {"name", info.name},
         {"shortDescription", {{"text", info.summary}}},
         {"fullDescription", {{"text", info.rationale}}},
         {"help", {{"text", help}, {"markdown", "**" + std::string(info.summary) + "**\n\n" + help}}},
         {"defaultConfiguration", {{"level", sarifLevel(info.severity)}}},
         {"properties",
          {{"tags", {"security", "docker", std::string(rules::scenarioName(info.scenario))}},
           {"security-severity", securitySeverity(info.severity)},
           {"precision", "high"},
           {"equivalents", equivalentsJson(info.equivalents)}}}});
  }
  // Results are streamed (see auditJson); everything else is small and built as a document.
  std::string results = "[";
  std::map<std::string, std::string> uri_cache;
  for (const auto& f : r.findings) {
    json result = {{"ruleId", f.rule_id},
                   {"level", sarifLevel(f.severity)},
                   {"message", {{"text", f.message}}},
                   {"properties", {{"severity", rules::severityName(f.severity)}}}};
    if (auto it = rule_index.find(f.rule_id); it != rule_index.end()) result["ruleIndex"] = it->second;
    if (!f.location.file.empty()) {
      auto [uri, inserted] = uri_cache.try_emplace(f.location.file);
      if (inserted) uri->second = uriFor(f.location.file, base_dir);
      json physical = {{"artifactLocation", {{"uri", uri->second}}}};
      if (f.location.line > 0) {
        physical["region"] = {{"startLine", f.location.line}, {"startColumn", std::max(1, f.location.column)}};
      }
      result["locations"] = json::array({{{"physicalLocation", physical}}});
    } else {
      result["locations"] = json::array(
          {{{"logicalLocations",
             json::array({{{"name", f.location.object_name},
                           {"kind", f.location.object_kind == "container" ? "object" : "resource"},
                           {"fullyQualifiedName", f.location.object_kind + "/" + f.location.object_name}}})}}});
    }
    results += results.size() == 1 ? "\n" : ",\n";
    results += result.dump();
  }
  results += "]";
  json notifications = json::array();
  std::vector<std::pair<const rules::InputError*, const char*>> notes;
  for (const auto& e : r.errors) notes.emplace_back(&e, "error");
  for (const auto& e : r.warnings) notes.emplace_back(&e, "warning");
  for (const auto& [ep, level] : notes) {
    const rules::InputError& e = *ep;
    json n = {{"level", level}, {"message", {{"text", e.message}}}};
    if (!e.location.file.empty()) {
      json physical = {{"artifactLocation", {{"uri", uriFor(e.location.file, base_dir)}}}};
      if (e.location.line > 0) {
        physical["region"] = {{"startLine", e.location.line}, {"startColumn", std::max(1, e.location.column)}};
      }
      n["locations"] = json::array({{{"physicalLocation", physical}}});
    } else {
      n["locations"] = json::array(
          {{{"logicalLocations", json::array({{{"name", e.location.object_name}, {"kind", "resource"}}})}}});
    }
    notifications.push_back(n);
  }
  json run = {{"tool",
               {{"driver",
                 {{"name", "shipshape"},
                  {"version", SHIPSHAPE_VERSION},
                  {"semanticVersion", SHIPSHAPE_VERSION},
                  {"informationUri", "https://github.com/shipshape/shipshape"},
                  {"rules", rules_json}}}}},
              {"results", "@RESULTS@"},
              {"invocations",
               json::array({{{"executionSuccessful", r.errors.empty()},
                             {"toolExecutionNotifications", notifications}}})},
              {"columnKind", "unicodeCodePoints"}};
  json sarif = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                {"version", "2.1.0"},
                {"runs", json::array({run})}};
  std::string out = sarif.dump(2) + "\n";
  auto slot = out.find("\"@RESULTS@\"");
  out.replace(slot, 11, results);
  return out;
}

std::string auditTable(const audit::AuditResult& r, bool colour) {
  auto paint = [&](const char* code, const std::string& text) {
    return colour ? std::string("\033[") + code + "m" + text + "\033[0m" : text;
  };
  auto severityColour = [](Severity s) {
    switch (s) {
      case Severity::kCritical: return "1;31";
      case Severity::kHigh: return "31";
      case Severity::kMedium: return "33";
      case Severity::kLow: return "36";
      default: return "2";
    }
  };
  std::map<int, std::vector<const rules::Finding*>> by_scenario;
  for (const auto& f : r.findings) {
    const rules::RuleInfo* info = rules::findRule(f.rule_id);
    by_scenario[info ? info->scenario : 0].push_back(&f);
  }
  std::string out;
  for (const auto& [scenario, findings] : by_scenario) {
    out += paint("1", std::to_string(scenario) + "xx " + std::string(rules::scenarioName(scenario))) + "\n";
    for (const auto* f : findings) {
      std::string sev = rules::severityName(f->severity);
      for (char& c : sev) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      sev.resize(8, ' ');
      out += "  " + paint(severityColour(f->severity), sev) + " " + f->rule_id + "  " + f->location.display() +
             "  " + f->message + "\n";
    }
    out += "\n";
  }
  for (const auto& e : r.errors) {
    out += paint("1;31", e.invalid ? "INVALID" : "ERROR  ") + "  " + e.location.display() + "  " + e.message + "\n";
  }
  for (const auto& e : r.warnings) {
    out += paint("1;33", "WARN   ") + "  " + e.location.display() + "  " + e.message + "\n";
  }
  std::map<Severity, int> counts;
  for (const auto& f : r.findings) counts[f.severity]++;
  std::string summary = std::to_string(r.findings.size()) + " finding(s)";
  if (!r.findings.empty()) {
    summary += " (";
    bool first = true;
    for (Severity s : {Severity::kCritical, Severity::kHigh, Severity::kMedium, Severity::kLow, Severity::kInfo}) {
      if (!counts[s]) continue;
      summary += (first ? "" : ", ") + std::to_string(counts[s]) + " " + rules::severityName(s);
      first = false;
    }
    summary += ")";
  }
  summary += " in " + std::to_string(r.files_audited) + " file(s)";
  if (r.containers_audited) summary += " and " + std::to_string(r.containers_audited) + " container(s)";
  if (r.suppressed) summary += "; " + std::to_string(r.suppressed) + " ignored inline";
  if (!r.errors.empty()) summary += "; " + std::to_string(r.errors.size()) + " input(s) could not be audited";
  out += summary + "\n";
  return out;
}

}  // namespace shipshape::report
