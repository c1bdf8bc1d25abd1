// The dashboard's routes on the guardian's HTTP server: the page and its assets at / and /assets/, the JSON
// API at /api/v1/ (docs/dashboard-api.md) and one server-sent event stream, /api/v1/events, that says when a
// new host point was taken (`sample`, with the point) and when incidents changed (`incidents`). Everything
// here answers from memory or one SQLite query; the slow parts are SlowSources'.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "dashboard/host_history.h"
#include "dashboard/slow_sources.h"
#include "serve/http_server.h"
#include "store/incident_store.h"
#include "store/release_store.h"

namespace shipshape::dashboard {

struct DashboardSources {
  store::IncidentStore* incidents = nullptr;
  store::ReleaseStore* releases = nullptr;  // null: no ledger on this host (releases are then empty)
  SlowSources* slow = nullptr;
  HostHistory* history = nullptr;
  std::function<std::string()> status;               // /api/v1/status body (JSON)
  std::function<std::uint64_t()> incidents_version;  // grows whenever an incident opens, acts or resolves
};

// Adds the routes and the stream to `options` and turns on the login form. Every source must outlive the
// server that serves them.
void installDashboard(serve::ServerOptions& options, const DashboardSources& sources);

}  // namespace shipshape::dashboard
