#include "dashboard/api.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include <nlohmann/json.hpp>

#include "common/format.h"
#include "report/incident_report.h"
#include "report/release_report.h"
#include "rules/catalog.h"

namespace shipshape::dashboard {

using nlohmann::json;

IncidentQuery incidentQuery(const std::map<std::string, std::string>& query) {
  IncidentQuery q;
  if (auto k = query.find("kind"); k != query.end()) q.kind = k->second;
  if (auto s = query.find("subject"); s != query.end()) q.subject = s->second;
  if (auto o = query.find("open"); o != query.end()) q.open_only = o->second == "1" || o->second == "true";
  if (auto l = query.find("limit"); l != query.end()) {
    long n = std::strtol(l->second.c_str(), nullptr, 10);
    q.limit = static_cast<int>(std::clamp<long>(n, 1, 1000));
  }
  return q;
}

std::string incidentsApi(std::vector<store::Incident> incidents, const IncidentQuery& query) {
  std::set<std::string> kinds, subjects;
  std::int64_t open = 0;
  for (const auto& i : incidents) {
    kinds.insert(i.kind);
    subjects.insert(i.subject);
    open += i.resolved_at_ms ? 0 : 1;
  }
  std::size_t total = incidents.size();
  std::erase_if(incidents, [&](const store::Incident& i) {
    return (!query.kind.empty() && i.kind != query.kind) || (!query.subject.empty() && i.subject != query.subject) ||
           (query.open_only && i.resolved_at_ms);
  });
  std::stable_sort(incidents.begin(), incidents.end(), [](const store::Incident& a, const store::Incident& b) {
    bool a_open = !a.resolved_at_ms, b_open = !b.resolved_at_ms;
    if (a_open != b_open) return a_open;
    return a.detected_at_ms > b.detected_at_ms;
  });
  if (incidents.size() > static_cast<std::size_t>(query.limit)) incidents.resize(static_cast<std::size_t>(query.limit));
  json out = {{"open", open},
              {"total", total},
              {"kinds", kinds},
              {"subjects", subjects},
              {"incidents", json::parse(report::incidentsJson(incidents))}};
  return out.dump();
}

std::string releasesApi(const std::vector<store::ServiceRecord>& services,
                        const std::map<std::string, std::vector<store::Release>>& releases) {
  json list = json::array();
  for (const auto& s : services) {
    std::vector<store::Release> rows;
    if (auto r = releases.find(s.name); r != releases.end()) rows = r->second;
    std::reverse(rows.begin(), rows.end());  // the store lists oldest first
    json rendered = json::parse(report::releasesJson(rows));
    json current = nullptr;
    for (const auto& r : rendered) {
      if (r["outcome"] == store::kPromoted) {
        current = r;
        break;
      }
    }
    if (rendered.size() > 20) rendered.erase(rendered.begin() + 20, rendered.end());
    list.push_back(
        {{"name", s.name}, {"source", s.source}, {"listen", s.listen}, {"current", current}, {"releases", rendered}});
  }
  return json{{"services", list}}.dump();
}

std::string backupsApi(const std::string& dir, const std::vector<volumes::BackupRecord>& records, std::int64_t now_ms,
                       const std::string& error) {
  // Oldest first in, so the last of each volume is its newest.
  std::map<std::string, std::vector<const volumes::BackupRecord*>> by_volume;
  for (const auto& r : records) by_volume[r.manifest.volume].push_back(&r);
  json list = json::array();
  for (const auto& [volume, rows] : by_volume) {
    const auto& newest = *rows.back();
    json test = nullptr;
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
      if (!(*it)->restore_test) continue;
      const auto& t = *(*it)->restore_test;
      test = {{"backup", (*it)->id}, {"at", t.at}, {"ok", t.ok}, {"detail", t.detail}, {"seconds", t.seconds}};
      break;
    }
    const auto& m = newest.manifest;
    list.push_back({{"volume", volume},
                    {"count", rows.size()},
                    {"newest",
                     {{"id", newest.id},
                      {"created", m.created},
                      {"created_ms", static_cast<std::int64_t>(newest.created) * 1000},
                      {"files", m.files},
                      {"data_bytes", m.data_bytes},
                      {"archive_bytes", m.archive_bytes},
                      {"compression", m.compression},
                      {"restic_snapshot", m.restic_snapshot},
                      {"consistency", m.consistency},
                      {"paused_ms", m.paused_ms},
                      {"seconds", m.seconds}}},
                    {"age_s", std::max<std::int64_t>(0, now_ms / 1000 - static_cast<std::int64_t>(newest.created))},
                    {"last_restore_test", test}});
  }
  return json{{"dir", dir}, {"error", error}, {"volumes", list}}.dump();
}

std::string findingsApi(const FindingsSnapshot& snapshot) {
  std::map<int, json> by_scenario;
  for (const auto& f : snapshot.findings) {
    const rules::RuleInfo* rule = rules::findRule(f.rule_id);
    int scenario = rule ? rule->scenario : 0;
    auto& group = by_scenario[scenario];
    if (group.is_null()) group = json::array();
    group.push_back({{"rule", f.rule_id},
                     {"name", rule ? std::string(rule->name) : ""},
                     {"severity", rules::severityName(f.severity)},
                     {"message", f.message},
                     {"object_kind", f.location.object_kind},
                     {"object_name", f.location.object_name},
                     {"summary", rule ? std::string(rule->summary) : ""},
                     {"fix", rule ? std::string(rule->fix) : ""}});
  }
  json scenarios = json::array();
  for (auto& [scenario, findings] : by_scenario) {
    // Most severe first within a scenario.
    std::stable_sort(findings.begin(), findings.end(), [](const json& a, const json& b) {
      rules::Severity sa{}, sb{};
      rules::parseSeverity(a["severity"].get<std::string>(), &sa);
      rules::parseSeverity(b["severity"].get<std::string>(), &sb);
      return sa > sb;
    });
    scenarios.push_back(
        {{"scenario", scenario}, {"name", std::string(rules::scenarioName(scenario))}, {"findings", findings}});
  }
  json errors = json::array();
  for (const auto& e : snapshot.input_errors)
    errors.push_back({{"where", e.location.display()}, {"message", e.message}});
  return json{{"at", snapshot.at_ms ? json(isoTimeMs(snapshot.at_ms)) : json(nullptr)},
              {"at_ms", snapshot.at_ms},
              {"error", snapshot.error},
              {"count", snapshot.findings.size()},
              {"scenarios", scenarios},
              {"input_errors", errors}}
      .dump();
}

}  // namespace shipshape::dashboard
