#include "report/incident_report.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/format.h"

namespace shipshape::report {
namespace {

using nlohmann::json;

std::string orDash(const std::optional<std::int64_t>& ms) { return ms ? formatDurationMs(*ms) : "-"; }

json incidentJson(const store::Incident& i) {
  json actions = json::array();
  for (const auto& a : i.actions) {
    actions.push_back({{"at", isoTimeMs(a.at_ms)},
                       {"at_ms", a.at_ms},
                       {"kind", a.kind},
                       {"description", a.description},
                       {"outcome", a.outcome},
                       {"automatic", a.automatic},
                       {"duration_ms", a.duration_ms}});
  }
  auto optional = [](const std::optional<std::int64_t>& v) { return v ? json(*v) : json(nullptr); };
  return {{"id", i.id},
          {"kind", i.kind},
          {"subject", i.subject},
          {"subject_id", i.subject_id},
          {"started_at", isoTimeMs(i.started_at_ms)},
          {"opened_at", isoTimeMs(i.detected_at_ms)},
          {"resolved_at", i.resolved_at_ms ? json(isoTimeMs(*i.resolved_at_ms)) : json(nullptr)},
          {"started_at_ms", i.started_at_ms},
          {"opened_at_ms", i.detected_at_ms},
          {"resolved_at_ms", optional(i.resolved_at_ms)},
          {"time_to_detect_ms", i.timeToDetectMs()},
          {"time_to_recover_ms", optional(i.timeToRecoverMs())},
          {"downtime_ms", optional(i.downtimeMs())},
          {"situation", i.situation},
          {"task", i.task},
          {"result", i.result},
          {"actions", actions}};
}

}  // namespace

std::string incidentsTable(const std::vector<store::Incident>& incidents) {
  // Columns as wide as their widest cell, like docker ps.
  int kind_w = 4, subject_w = 7;
  for (const auto& i : incidents) {
    kind_w = std::max(kind_w, static_cast<int>(i.kind.size()));
    subject_w = std::max(subject_w, static_cast<int>(i.subject.size()));
  }
  char line[1024];
  std::snprintf(line, sizeof line, "%-5s %-*s %-*s %-24s %-9s %-9s %s\n", "ID", kind_w, "KIND", subject_w, "SUBJECT",
                "OPENED", "DETECT", "RECOVER", "DOWNTIME");
  std::string out = line;
  for (const auto& i : incidents) {
    std::snprintf(line, sizeof line, "%-5lld %-*s %-*s %-24s %-9s %-9s %s\n", static_cast<long long>(i.id), kind_w,
                  i.kind.c_str(), subject_w, i.subject.c_str(), isoTimeMs(i.detected_at_ms).c_str(),
                  formatDurationMs(i.timeToDetectMs()).c_str(), orDash(i.timeToRecoverMs()).c_str(),
                  i.resolved_at_ms ? formatDurationMs(*i.downtimeMs()).c_str() : "open");
    out += line;
  }
  return out;
}

std::string incidentMarkdown(const store::Incident& i) {
  std::string out = "## Incident " + std::to_string(i.id) + ": " + i.kind + " — " + i.subject + "\n\n";
  out += "**Situation.** " + i.situation + ". Began " + isoTimeMs(i.started_at_ms) + "; detected " +
         isoTimeMs(i.detected_at_ms) + " (" + formatDurationMs(i.timeToDetectMs()) + " later).\n\n";
  out += "**Task.** " + i.task + ".\n\n**Action.**\n";
  if (i.actions.empty()) out += "- none yet\n";
  for (const auto& a : i.actions) {
    out += "- " + isoTimeMs(a.at_ms) + " (" + (a.automatic ? "automatic" : "manual") + ") " + a.kind + ": " +
           a.description + " — " + a.outcome;
    if (a.duration_ms > 0) out += ", took " + formatDurationMs(a.duration_ms);
    out += "\n";
  }
  out += "\n**Result.** ";
  if (i.resolved_at_ms) {
    out += i.result + " at " + isoTimeMs(*i.resolved_at_ms) + ". Time to detect " +
           formatDurationMs(i.timeToDetectMs()) + ", time to recover " + formatDurationMs(*i.timeToRecoverMs()) +
           ", downtime " + formatDurationMs(*i.downtimeMs()) + ".\n";
  } else {
    out += "still open. Time to detect " + formatDurationMs(i.timeToDetectMs()) + ".\n";
  }
  return out;
}

std::string incidentsJson(const std::vector<store::Incident>& incidents) {
  json arr = json::array();
  for (const auto& i : incidents) arr.push_back(incidentJson(i));
  return arr.dump(2) + "\n";
}

}  // namespace shipshape::report
