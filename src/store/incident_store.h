// The incident store: an embedded SQLite database (WAL mode) in the state directory that survives restarts of
// the guardian. Schema in docs/state-format.md; migrations run on open. One IncidentStore per process;
// calls are serialised internally, so it may be shared between threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/incident.h"

namespace SQLite {
class Database;
}

namespace shipshape::store {

struct IncidentFilter {
  std::optional<std::int64_t> since_ms;  // opened at or after
  // Container name; empty = any. Host-wide incidents (starvation) that name it as an offender match too.
  std::string subject;
};

class IncidentStore {
 public:
  // Opens (creating it and its directory if needed) <state_dir>/shipshape.db.
  static Result<std::unique_ptr<IncidentStore>> open(const std::string& state_dir);
  ~IncidentStore();

  // Returns the new incident's ID; `incident.actions` are stored too.
  Result<std::int64_t> openIncident(const Incident& incident);
  Result<void> addAction(std::int64_t incident_id, const Action& action);
  Result<void> resolve(std::int64_t incident_id, std::int64_t resolved_at_ms, const std::string& result);
  // The open incident of this kind for this subject, if any.
  Result<std::optional<Incident>> findOpen(const std::string& kind, const std::string& subject);
  Result<Incident> get(std::int64_t incident_id);
  Result<std::vector<Incident>> list(const IncidentFilter& filter = {});

  const std::string& path() const { return path_; }
  // Grows by one with every incident opened, action added or incident resolved through this object (a cheap
  // "has anything changed" for pollers such as the dashboard's event stream).
  std::uint64_t changes() const { return changes_.load(); }

  // Called after an incident is recorded as opened (resolved = false) or resolved (true), outside the
  // store's lock, on the caller's thread. Set it before the store is shared between threads.
  using Listener = std::function<void(const Incident& incident, bool resolved)>;
  void setListener(Listener listener) { listener_ = std::move(listener); }

 private:
  IncidentStore(std::unique_ptr<SQLite::Database> db, std::string path);
  Result<std::int64_t> insertIncident(const Incident& incident);
  Result<std::vector<Action>> actionsOf(std::int64_t incident_id);

  std::mutex mu_;
  std::unique_ptr<SQLite::Database> db_;  // guarded by mu_
  std::string path_;
  Listener listener_;
  std::atomic<std::uint64_t> changes_{0};
};

// The default state directory: /var/lib/shipshape for root, $XDG_STATE_HOME/shipshape (or
// ~/.local/state/shipshape) otherwise.
std::string defaultStateDir();

}  // namespace shipshape::store
