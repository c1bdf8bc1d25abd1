// The lab's outputs: the summary table, one JSON document, and the STAR reports as Markdown.
#include <nlohmann/json.hpp>

#include "common/format.h"
#include "lab/lab.h"

namespace shipshape::lab {
namespace {

using nlohmann::json;

const char* statusName(ScenarioResult::Status s) {
  switch (s) {
    case ScenarioResult::Status::kRepaired: return "repaired";
    case ScenarioResult::Status::kFailed: return "failed";
    case ScenarioResult::Status::kSkipped: return "skipped";
  }
  return "?";
}

std::string orDash(const std::optional<std::int64_t>& ms) { return ms ? formatDurationMs(*ms) : "-"; }

}  // namespace

std::string labTable(const LabRun& run) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-14s %-9s %-9s %-9s %-10s %-10s %s\n", "SCENARIO", "STATUS", "DETECTED",
                "REPAIRED", "DETECT", "RECOVER", "THE SEED, BY HAND");
  out += line;
  for (const auto& r : run.results) {
    std::snprintf(line, sizeof line, "%-14s %-9s %-9s %-9s %-10s %-10s %s\n", r.name.c_str(), statusName(r.status),
                  r.status == ScenarioResult::Status::kSkipped ? "-" : (r.detected ? "yes" : "no"),
                  r.status == ScenarioResult::Status::kSkipped ? "-" : (r.repaired ? "yes" : "no"),
                  orDash(r.detect_ms).c_str(), orDash(r.recover_ms).c_str(), r.seed.c_str());
    out += line;
  }
  for (const auto& r : run.results) {
    if (r.status == ScenarioResult::Status::kSkipped) out += r.name + ": skipped: " + r.skipped_because + "\n";
    if (r.status == ScenarioResult::Status::kFailed) out += r.name + ": " + r.result + "\n";
  }
  for (const auto& p : run.cleanup_problems) out += "clean-up: " + p + "\n";
  return out;
}

std::string labJson(const LabRun& run) {
  json scenarios = json::array();
  for (const auto& r : run.results) {
    json actions = json::array();
    for (const auto& a : r.actions) actions.push_back({{"at", isoTimeMs(a.at_ms)}, {"at_ms", a.at_ms}, {"what", a.what}});
    json measurements = json::object();
    for (const auto& [k, v] : r.measurements) measurements[k] = v;
    scenarios.push_back({{"scenario", r.name},
                         {"title", r.title},
                         {"status", statusName(r.status)},
                         {"detected", r.detected},
                         {"repaired", r.repaired},
                         {"time_to_detect_ms", r.detect_ms ? json(*r.detect_ms) : json(nullptr)},
                         {"time_to_recover_ms", r.recover_ms ? json(*r.recover_ms) : json(nullptr)},
                         {"seed", r.seed},
                         {"seconds", r.seconds},
                         {"situation", r.situation},
                         {"task", r.task},
                         {"actions", actions},
                         {"result", r.result},
                         {"measurements", measurements},
                         {"skipped_because", r.skipped_because.empty() ? json(nullptr) : json(r.skipped_because)}});
  }
  return json{{"run", run.run_id}, {"ok", run.ok()}, {"scenarios", scenarios}, {"cleanup_problems", run.cleanup_problems}}
      .dump(2);
}

std::string labMarkdown(const LabRun& run) {
  std::string out = "# shipshape lab, run " + run.run_id + "\n\n" + "```\n" + labTable(run) + "```\n";
  for (const auto& r : run.results) {
    out += "\n## " + r.title + " (" + r.name + "): " + statusName(r.status) + "\n\n";
    if (r.status == ScenarioResult::Status::kSkipped) {
      out += "Skipped: " + r.skipped_because + ".\n";
      continue;
    }
    out += "**Situation.** " + r.situation + "\n\n**Task.** " + r.task + "\n\n**Action.**\n";
    for (const auto& a : r.actions) out += "- " + isoTimeMs(a.at_ms) + " " + a.what + "\n";
    out += "\n**Result.** " + r.result + " Time to detect " + orDash(r.detect_ms) + ", time to recover " +
           orDash(r.recover_ms) + " (the seed, by hand: " + r.seed + ").\n";
    if (!r.measurements.empty()) {
      out += "\n| measured | value |\n|---|---|\n";
      for (const auto& [k, v] : r.measurements) out += "| " + k + " | " + v + " |\n";
    }
  }
  return out;
}

}  // namespace shipshape::lab
