// Incidents rendered for people (a table; each incident as a STAR report in Markdown) and machines (JSON).
#pragma once

#include <string>
#include <vector>

#include "store/incident.h"

namespace shipshape::report {

std::string incidentsTable(const std::vector<store::Incident>& incidents);
// Situation, Task, Action, Result, with the measured times.
std::string incidentMarkdown(const store::Incident& incident);
std::string incidentsJson(const std::vector<store::Incident>& incidents);

}  // namespace shipshape::report
