// shipshape incidents list|show ID: the guardian's record, as a table, STAR reports or JSON.
#include <cstdio>

#include "cli/commands.h"
#include "common/format.h"
#include "report/incident_report.h"
#include "store/incident_store.h"

namespace shipshape::cli {

ExitCode runIncidents(const IncidentsOptions& given) {
  IncidentsOptions options = given;
  if (options.format.empty()) options.format = options.action == "show" ? "md" : "table";
  std::string state_dir = options.state_dir.empty() ? store::defaultStateDir() : options.state_dir;
  auto store = store::IncidentStore::open(state_dir);
  if (!store) {
    printError(store.error());
    return ExitCode::kError;
  }
  if (options.action == "show") {
    auto incident = (*store)->get(options.id);
    if (!incident) {
      printError(incident.error());
      return ExitCode::kError;
    }
    std::string out = options.format == "json"    ? report::incidentsJson({*incident})
                      : options.format == "table" ? report::incidentsTable({*incident})
                                                  : report::incidentMarkdown(*incident);
    std::fputs(out.c_str(), stdout);
    return ExitCode::kOk;
  }
  store::IncidentFilter filter;
  filter.subject = options.container;
  if (!options.since.empty()) {
    std::int64_t age = parseDurationMs(options.since);
    if (age < 0) {
      std::fprintf(stderr, "shipshape: --since must be a duration like 90s, 30m, 2h or 7d\n");
      return ExitCode::kError;
    }
    filter.since_ms = nowMs() - age;
  }
  auto incidents = (*store)->list(filter);
  if (!incidents) {
    printError(incidents.error());
    return ExitCode::kError;
  }
  std::string out;
  if (options.format == "json") {
    out = report::incidentsJson(*incidents);
  } else if (options.format == "md") {
    for (const auto& i : *incidents) out += report::incidentMarkdown(i) + "\n";
  } else {
    out = report::incidentsTable(*incidents);
  }
  std::fputs(out.c_str(), stdout);
  return ExitCode::kOk;
}

}  // namespace shipshape::cli
