#include "report/scan_report.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "rules/catalog.h"

namespace shipshape::report {
namespace {

using nlohmann::json;
using rules::Severity;

std::string shortDigest(const std::string& d) {
  auto colon = d.find(':');
  return colon == std::string::npos ? d.substr(0, 12) : d.substr(colon + 1, 12);
}

std::string layerDigest(const scan::ScanResult& r, int layer) {
  return layer >= 0 && layer < static_cast<int>(r.layers.size()) ? r.layers[layer].digest : "";
}

std::string createdBy(const scan::ScanResult& r, int layer) {
  return layer >= 0 && layer < static_cast<int>(r.layers.size()) ? r.layers[layer].created_by : "";
}

std::string severityWord(const scan::Vulnerability& v) {
  return v.severity_known ? rules::severityName(v.severity) : "unknown";
}

const char* sarifLevel(Severity s) {
  switch (s) {
    case Severity::kCritical:
    case Severity::kHigh: return "error";
    case Severity::kMedium: return "warning";
    default: return "note";
  }
}

std::string mib(std::int64_t bytes) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buffer;
}

std::string purlOf(const scan::ScanResult& r, int index) {
  return index >= 0 && index < static_cast<int>(r.packages.size()) ? scan::packageUrl(r.packages[index], r.os) : "";
}

// Columns padded to their widest cell; the last column is not padded.
std::string columns(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], row[i].size());
    }
  std::string out;
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out += std::string(width[i] - row[i].size() + 2, ' ');
    }
    out += "\n";
  }
  return out;
}

json imageJson(const scan::ScanResult& r) {
  json layers = json::array();
  for (std::size_t i = 0; i < r.layers.size(); ++i)
    layers.push_back({{"index", i + 1},
                      {"digest", r.layers[i].digest},
                      {"created_by", r.layers[i].created_by},
                      {"entries", r.layers[i].entries},
                      {"bytes", r.layers[i].bytes}});
  json findings = json::array();
  for (const auto& f : r.findings) {
    const auto* info = rules::findRule(f.rule_id);
    json j = {{"rule_id", f.rule_id},
              {"rule", info ? std::string(info->name) : ""},
              {"severity", rules::severityName(f.severity)},
              {"message", f.message}};
    if (!f.path.empty()) j["path"] = f.path;
    if (f.line > 0) j["line"] = f.line;
    if (f.layer >= 0) {
      j["layer"] = f.layer + 1;
      j["layer_digest"] = layerDigest(r, f.layer);
      j["created_by"] = createdBy(r, f.layer);
    }
    if (!f.path.empty()) j["in_final_filesystem"] = f.removed_in_layer < 0;
    if (f.removed_in_layer >= 0) {
      j["removed_in_layer"] = f.removed_in_layer + 1;
      j["removed_by"] = f.removed_by_delete ? "delete" : "replace";
      j["removed_by_created_by"] = createdBy(r, f.removed_in_layer);
    }
    if (info) j["fix"] = info->fix;
    findings.push_back(std::move(j));
  }
  json packages = json::array();
  for (std::size_t i = 0; i < r.packages.size(); ++i) {
    const auto& p = r.packages[i];
    packages.push_back({{"type", p.type},
                        {"name", p.name},
                        {"version", p.version},
                        {"arch", p.arch},
                        {"source", p.source},
                        {"source_version", p.source_version},
                        {"purl", scan::packageUrl(p, r.os)},
                        {"layer", p.layer + 1},
                        {"layer_digest", layerDigest(r, p.layer)},
                        {"database", p.db_path}});
  }
  json vulns = json::array();
  for (const auto& v : r.vulnerabilities) {
    json j = {{"id", v.id},
              {"aliases", v.aliases},
              {"severity", severityWord(v)},
              {"package", v.package},
              {"installed", v.installed},
              {"fixed", v.fixed.empty() ? json(nullptr) : json(v.fixed)},
              {"purl", purlOf(r, v.package_index)},
              {"summary", v.summary},
              {"ecosystem", v.ecosystem},
              {"record", v.file}};
    if (v.score > 0) j["cvss_score"] = v.score;
    if (!v.severity_source.empty()) j["severity_source"] = v.severity_source;
    if (v.package_index >= 0) j["layer"] = r.packages[v.package_index].layer + 1;
    vulns.push_back(std::move(j));
  }
  json db = nullptr;
  if (!r.vuln_db.empty())
    db = {{"path", r.vuln_db}, {"records", r.vuln_db_records}, {"checked", r.vulnerabilities_checked}};
  return {{"image", r.image},
          {"image_id", r.image_id},
          {"repo_tags", r.repo_tags},
          {"architecture", r.architecture},
          {"os", {{"id", r.os.id}, {"version_id", r.os.version_id}, {"pretty_name", r.os.pretty_name}}},
          {"ecosystem", r.ecosystem},
          {"layers", layers},
          {"findings", findings},
          {"packages", packages},
          {"vulnerabilities", vulns},
          {"vulnerability_db", db},
          {"warnings", r.warnings},
          {"stats", {{"bytes_read", r.bytes}, {"entries", r.entries}, {"seconds", r.seconds}}}};
}

}  // namespace

std::string scanTable(const std::vector<scan::ScanResult>& results, bool colour) {
  auto paint = [&](Severity s, const std::string& text) -> std::string {
    if (!colour) return text;
    const char* code = s >= Severity::kCritical ? "1;31"
                       : s >= Severity::kHigh   ? "31"
                       : s >= Severity::kMedium ? "33"
                                                : "36";
    return std::string("\033[") + code + "m" + text + "\033[0m";
  };
  std::string out;
  for (const auto& r : results) {
    std::string os = r.os.pretty_name.empty() ? (r.os.id.empty() ? "unknown OS" : r.os.id + " " + r.os.version_id)
                                              : r.os.pretty_name;
    out += (out.empty() ? "" : "\n") + r.image + (r.image_id.empty() ? "" : " (" + shortDigest(r.image_id) + ")") +
           "  " + os + ", " + std::to_string(r.layers.size()) + (r.layers.size() == 1 ? " layer, " : " layers, ") +
           std::to_string(r.packages.size()) + (r.packages.size() == 1 ? " package, " : " packages, ") + mib(r.bytes) +
           " read in " + std::to_string(r.seconds).substr(0, 5) + " s\n";
    std::map<Severity, int> counts;
    if (r.findings.empty()) {
      out += "\nNo findings.\n";
    } else {
      std::vector<std::vector<std::string>> rows = {{"SEVERITY", "RULE", "LAYER", "FINDING"}};
      for (const auto& f : r.findings) {
        ++counts[f.severity];
        rows.push_back({rules::severityName(f.severity), f.rule_id,
                        f.layer >= 0 ? std::to_string(f.layer + 1) : "config", f.message});
      }
      std::string table = columns(rows);
      out += "\n" + table;
    }
    if (!r.vuln_db.empty()) {
      if (!r.vulnerabilities_checked) {
        out += "\nVulnerabilities not checked (no OSV ecosystem for " + os + ").\n";
      } else if (r.vulnerabilities.empty()) {
        out += "\nNo known vulnerabilities (" + std::to_string(r.vuln_db_records) + " " + r.ecosystem + " records in " +
               r.vuln_db + ").\n";
      } else {
        std::vector<std::vector<std::string>> rows = {
            {"SEVERITY", "ID", "PACKAGE", "INSTALLED", "FIXED", "LAYER", "SUMMARY"}};
        for (const auto& v : r.vulnerabilities) {
          ++counts[v.severity];
          rows.push_back({severityWord(v), v.id, v.package, v.installed, v.fixed.empty() ? "(none)" : v.fixed,
                          v.package_index >= 0 ? std::to_string(r.packages[v.package_index].layer + 1) : "",
                          v.summary.substr(0, 80)});
        }
        out += "\n" + columns(rows);
      }
    } else {
      out += "\nVulnerabilities not checked: no --vuln-db (see README, \"Scanning images\").\n";
    }
    for (const auto& w : r.warnings) out += "warning: " + w + "\n";
    std::string summary;
    for (Severity s : {Severity::kCritical, Severity::kHigh, Severity::kMedium, Severity::kLow, Severity::kInfo})
      if (counts[s])
        summary += (summary.empty() ? "" : ", ") + paint(s, std::to_string(counts[s]) + " " + rules::severityName(s));
    out += "\n" + (summary.empty() ? std::string("Nothing found.") : "Total: " + summary) + "\n";
  }
  return out;
}

std::string scanJson(const std::vector<scan::ScanResult>& results) {
  json images = json::array();
  for (const auto& r : results) images.push_back(imageJson(r));
  return json{{"images", images}}.dump(2) + "\n";
}

std::string scanSarif(const std::vector<scan::ScanResult>& results) {
  json runs = json::array();
  for (const auto& r : results) {
    json rules_json = json::array();
    std::map<std::string, int> rule_index;
    auto addRule = [&](const std::string& id, json rule) {
      if (rule_index.count(id)) return;
      rule_index[id] = static_cast<int>(rules_json.size());
      rules_json.push_back(std::move(rule));
    };
    json results_json = json::array();
    for (const auto& f : r.findings) {
      if (const auto* info = rules::findRule(f.rule_id))
        addRule(f.rule_id, {{"id", info->id},
                            {"name", info->name},
                            {"shortDescription", {{"text", info->summary}}},
                            {"fullDescription", {{"text", info->rationale}}},
                            {"help", {{"text", std::string(info->rationale) + "\n\nFix: " + std::string(info->fix)}}},
                            {"defaultConfiguration", {{"level", sarifLevel(info->severity)}}},
                            {"properties", {{"tags", {"security", "docker", "image"}}}}});
      json result = {{"ruleId", f.rule_id},
                     {"level", sarifLevel(f.severity)},
                     {"message", {{"text", f.message}}},
                     {"properties",
                      {{"severity", rules::severityName(f.severity)},
                       {"layer", f.layer + 1},
                       {"layer_digest", layerDigest(r, f.layer)},
                       {"in_final_filesystem", f.removed_in_layer < 0}}}};
      if (auto it = rule_index.find(f.rule_id); it != rule_index.end()) result["ruleIndex"] = it->second;
      if (!f.path.empty()) {
        json physical = {{"artifactLocation", {{"uri", f.path.substr(1)}, {"uriBaseId", "IMAGE_ROOT"}}}};
        if (f.line > 0) physical["region"] = {{"startLine", f.line}};
        result["locations"] = json::array({{{"physicalLocation", physical}}});
      } else {
        result["locations"] = json::array(
            {{{"logicalLocations",
               json::array({{{"name", r.image}, {"kind", "resource"}, {"fullyQualifiedName", "image/" + r.image}}})}}});
      }
      results_json.push_back(std::move(result));
    }
    for (const auto& v : r.vulnerabilities) {
      std::string help =
          v.summary + (v.fixed.empty() ? "" : "\n\nFix: upgrade " + v.package + " to " + v.fixed + " or later.");
      addRule(v.id, {{"id", v.id},
                     {"name", "vulnerable-package"},
                     {"shortDescription", {{"text", v.summary.empty() ? v.id : v.summary}}},
                     {"help", {{"text", help.empty() ? v.id : help}}},
                     {"defaultConfiguration", {{"level", sarifLevel(v.severity)}}},
                     {"properties",
                      {{"tags", {"security", "vulnerability"}},
                       {"security-severity", v.score > 0 ? std::to_string(v.score).substr(0, 3) : "0.0"}}}});
      std::string db = v.package_index >= 0 ? r.packages[v.package_index].db_path : "";
      json result = {{"ruleId", v.id},
                     {"ruleIndex", rule_index[v.id]},
                     {"level", sarifLevel(v.severity)},
                     {"message",
                      {{"text", "Package " + v.package + " " + v.installed + " is affected by " + v.id +
                                    (v.fixed.empty() ? " (no fix known)" : " (fixed in " + v.fixed + ")")}}},
                     {"properties", {{"severity", severityWord(v)}, {"purl", purlOf(r, v.package_index)}}}};
      if (!db.empty())
        result["locations"] = json::array(
            {{{"physicalLocation", {{"artifactLocation", {{"uri", db.substr(1)}, {"uriBaseId", "IMAGE_ROOT"}}}}}}});
      results_json.push_back(std::move(result));
    }
    runs.push_back(
        {{"tool",
          {{"driver",
            {{"name", "shipshape"},
             {"version", SHIPSHAPE_VERSION},
             {"informationUri", "https://github.com/shipshape/shipshape"},
             {"rules", rules_json}}}}},
         {"originalUriBaseIds", {{"IMAGE_ROOT", {{"description", {{"text", "the root of image " + r.image}}}}}}},
         {"results", results_json},
         {"properties", {{"image", r.image}, {"image_id", r.image_id}}}});
  }
  json sarif = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"}, {"version", "2.1.0"}, {"runs", runs}};
  return sarif.dump(2) + "\n";
}

std::string scanCycloneDx(const scan::ScanResult& r, const std::string& serial, const std::string& timestamp) {
  json components = json::array();
  json refs = json::array();
  std::set<std::string> used;
  std::vector<std::string> package_refs;
  for (const auto& p : r.packages) {
    std::string purl = scan::packageUrl(p, r.os);
    std::string ref = purl;
    for (int n = 2; !used.insert(ref).second; ++n) ref = purl + "#" + std::to_string(n);
    package_refs.push_back(ref);
    refs.push_back(ref);
    json props = json::array({{{"name", "shipshape:layer:index"}, {"value", std::to_string(p.layer + 1)}},
                              {{"name", "shipshape:layer:digest"}, {"value", layerDigest(r, p.layer)}},
                              {{"name", "shipshape:package:database"}, {"value", p.db_path}},
                              {{"name", "shipshape:package:source"}, {"value", p.source}},
                              {{"name", "shipshape:package:source_version"}, {"value", p.source_version}}});
    components.push_back({{"bom-ref", ref},
                          {"type", "library"},
                          {"name", p.name},
                          {"version", p.version},
                          {"purl", purl},
                          {"properties", props}});
  }
  if (!r.os.empty()) {
    components.push_back({{"bom-ref", "os:" + r.os.id + "-" + r.os.version_id},
                          {"type", "operating-system"},
                          {"name", r.os.id},
                          {"version", r.os.version_id},
                          {"description", r.os.pretty_name}});
    refs.push_back("os:" + r.os.id + "-" + r.os.version_id);
  }
  std::string image_name = r.repo_tags.empty() ? r.image : r.repo_tags.front();
  json image = {{"bom-ref", "image"},
                {"type", "container"},
                {"name", image_name.substr(
                             0, image_name.rfind(':') == std::string::npos || image_name.find('@') != std::string::npos
                                    ? image_name.size()
                                    : image_name.rfind(':'))},
                {"version", r.image_id.empty() ? image_name : r.image_id}};
  json layer_props = json::array();
  for (std::size_t i = 0; i < r.layers.size(); ++i)
    layer_props.push_back({{"name", "shipshape:layer:" + std::to_string(i + 1)}, {"value", r.layers[i].digest}});
  image["properties"] = layer_props;
  json vulns = json::array();
  for (const auto& v : r.vulnerabilities) {
    json rating = {{"source", {{"name", "OSV"}}}, {"severity", severityWord(v)}};
    if (v.score > 0) {
      rating["score"] = v.score;
      rating["method"] = v.severity_source.starts_with("CVSS:3.1") ? "CVSSv31" : "CVSSv3";
      rating["vector"] = v.severity_source;
    }
    json affects = json::array();
    if (v.package_index >= 0)
      affects.push_back({{"ref", package_refs[v.package_index]},
                         {"versions", json::array({{{"version", v.installed}, {"status", "affected"}}})}});
    json j = {{"bom-ref", v.id + "/" + (v.package_index >= 0 ? package_refs[v.package_index] : v.package)},
              {"id", v.id},
              {"source", {{"name", "OSV"}, {"url", "https://osv.dev/vulnerability/" + v.id}}},
              {"ratings", json::array({rating})},
              {"description", v.summary},
              {"affects", affects}};
    if (!v.fixed.empty()) j["recommendation"] = "Upgrade " + v.package + " to " + v.fixed + " or later.";
    json references = json::array();
    for (const auto& a : v.aliases)
      references.push_back({{"id", a}, {"source", {{"name", "OSV"}, {"url", "https://osv.dev/vulnerability/" + a}}}});
    if (!references.empty()) j["references"] = references;
    vulns.push_back(std::move(j));
  }
  json bom = {{"bomFormat", "CycloneDX"},
              {"specVersion", "1.5"},
              {"serialNumber", serial},
              {"version", 1},
              {"metadata",
               {{"timestamp", timestamp},
                {"tools",
                 {{"components",
                   json::array({{{"type", "application"}, {"name", "shipshape"}, {"version", SHIPSHAPE_VERSION}}})}}},
                {"component", image}}},
              {"components", components},
              {"dependencies", json::array({{{"ref", "image"}, {"dependsOn", refs}}})}};
  if (!vulns.empty()) bom["vulnerabilities"] = vulns;
  return bom.dump(2) + "\n";
}

}  // namespace shipshape::report
