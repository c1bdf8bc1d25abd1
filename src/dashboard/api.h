// The dashboard's JSON API (/api/v1/...), as pure functions from what the guardian holds to the documented
// bodies (docs/dashboard-api.md). The page reads exactly these; scripts may too.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "rules/finding.h"
#include "store/incident.h"
#include "store/release.h"
#include "volumes/backup_catalog.h"

namespace shipshape::dashboard {

struct IncidentQuery {
  std::string kind;     // "" = every kind
  std::string subject;  // container (or "daemon", a volume...); "" = every subject
  bool open_only = false;
  int limit = 200;
};
IncidentQuery incidentQuery(const std::map<std::string, std::string>& query);

// {"open","total","kinds":[...],"subjects":[...],"incidents":[...]}: open ones first, then newest first;
// `kinds`/`subjects` list what the filters can choose from (over every incident, not just the shown ones).
std::string incidentsApi(std::vector<store::Incident> incidents, const IncidentQuery& query);

// {"services":[{"name","listen","current":release|null,"releases":[newest first, at most 20]}]}
std::string releasesApi(const std::vector<store::ServiceRecord>& services,
                        const std::map<std::string, std::vector<store::Release>>& releases);

// {"dir","error","volumes":[{"volume","count","newest":{...}|null,"age_s","last_restore_test":{...}|null}]}
std::string backupsApi(const std::string& dir, const std::vector<volumes::BackupRecord>& records, std::int64_t now_ms,
                       const std::string& error = "");

// The live audit, grouped by scenario:
// {"at","at_ms","error","scenarios":[{"scenario","name","findings":[{"rule","name","severity","message",
// "object_kind","object_name","summary","fix"}]}],"input_errors":[...]}
struct FindingsSnapshot {
  std::int64_t at_ms = 0;  // 0: not collected yet
  std::string error;       // the engine could not be read
  std::vector<rules::Finding> findings;
  std::vector<rules::InputError> input_errors;
};
std::string findingsApi(const FindingsSnapshot& snapshot);

}  // namespace shipshape::dashboard
