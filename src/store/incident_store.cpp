#include "store/incident_store.h"

#include "store/database.h"
#include "store/sqlite_guard.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include <SQLiteCpp/SQLiteCpp.h>

namespace shipshape::store {
namespace {

Incident rowToIncident(SQLite::Statement& q) {
  Incident i;
  i.id = q.getColumn(0).getInt64();
  i.kind = q.getColumn(1).getString();
  i.subject = q.getColumn(2).getString();
  i.subject_id = q.getColumn(3).getString();
  i.situation = q.getColumn(4).getString();
  i.task = q.getColumn(5).getString();
  i.result = q.getColumn(6).getString();
  i.started_at_ms = q.getColumn(7).getInt64();
  i.detected_at_ms = q.getColumn(8).getInt64();
  if (!q.getColumn(9).isNull()) i.resolved_at_ms = q.getColumn(9).getInt64();
  return i;
}

void insertAction(SQLite::Database& db, std::int64_t incident_id, const Action& a) {
  SQLite::Statement q(db,
                      "INSERT INTO actions (incident_id, at_ms, kind, description, outcome, automatic, duration_ms) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, static_cast<std::int64_t>(incident_id));
  q.bind(2, static_cast<std::int64_t>(a.at_ms));
  q.bind(3, a.kind);
  q.bind(4, a.description);
  q.bind(5, a.outcome);
  q.bind(6, a.automatic ? 1 : 0);
  q.bind(7, static_cast<std::int64_t>(a.duration_ms));
  q.exec();
}

constexpr const char* kIncidentColumns =
    "id, kind, subject, subject_id, situation, task, result, started_at_ms, detected_at_ms, resolved_at_ms";

}  // namespace

std::string defaultStateDir() {
  if (::geteuid() == 0) return "/var/lib/shipshape";
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg) return std::string(xdg) + "/shipshape";
  const char* home = std::getenv("HOME");
  return std::string(home ? home : ".") + "/.local/state/shipshape";
}

IncidentStore::IncidentStore(std::unique_ptr<SQLite::Database> db, std::string path)
    : db_(std::move(db)), path_(std::move(path)) {}

IncidentStore::~IncidentStore() = default;

Result<std::unique_ptr<IncidentStore>> IncidentStore::open(const std::string& state_dir) {
  std::string path;
  auto db = openDatabase(state_dir, &path);
  if (!db) return fail(db.error());
  return std::unique_ptr<IncidentStore>(new IncidentStore(std::move(*db), path));
}

Result<std::int64_t> IncidentStore::openIncident(const Incident& i) {
  auto id = insertIncident(i);
  if (id && listener_) {
    Incident recorded = i;
    recorded.id = *id;
    listener_(recorded, false);
  }
  return id;
}

Result<std::int64_t> IncidentStore::insertIncident(const Incident& i) {
  std::lock_guard lock(mu_);
  return guarded("recording an incident", [&]() -> Result<std::int64_t> {
    SQLite::Transaction tx(*db_);
    SQLite::Statement q(*db_,
                        "INSERT INTO incidents (kind, subject, subject_id, situation, task, result, started_at_ms, "
                        "detected_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    q.bind(1, i.kind);
    q.bind(2, i.subject);
    q.bind(3, i.subject_id);
    q.bind(4, i.situation);
    q.bind(5, i.task);
    q.bind(6, i.result);
    q.bind(7, static_cast<std::int64_t>(i.started_at_ms));
    q.bind(8, static_cast<std::int64_t>(i.detected_at_ms));
    q.exec();
    std::int64_t id = db_->getLastInsertRowid();
    for (const auto& a : i.actions) insertAction(*db_, id, a);
    tx.commit();
    ++changes_;
    return id;
  });
}

Result<void> IncidentStore::addAction(std::int64_t incident_id, const Action& a) {
  std::lock_guard lock(mu_);
  return guarded("recording an action", [&]() -> Result<void> {
    insertAction(*db_, incident_id, a);
    ++changes_;
    return {};
  });
}

Result<void> IncidentStore::resolve(std::int64_t incident_id, std::int64_t resolved_at_ms, const std::string& result) {
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    auto done = guarded("resolving an incident", [&]() -> Result<void> {
      SQLite::Statement q(*db_, "UPDATE incidents SET resolved_at_ms = ?, result = ? WHERE id = ? AND resolved_at_ms IS NULL");
      q.bind(1, static_cast<std::int64_t>(resolved_at_ms));
      q.bind(2, result);
      q.bind(3, static_cast<std::int64_t>(incident_id));
      changed = q.exec() > 0;
      if (changed) ++changes_;
      return {};
    });
    if (!done) return done;
  }
  if (changed && listener_) {
    if (auto incident = get(incident_id)) listener_(*incident, true);
  }
  return {};
}

Result<std::vector<Action>> IncidentStore::actionsOf(std::int64_t incident_id) {
  std::vector<Action> out;
  SQLite::Statement q(*db_,
                      "SELECT at_ms, kind, description, outcome, automatic, duration_ms FROM actions WHERE "
                      "incident_id = ? ORDER BY at_ms, id");
  q.bind(1, static_cast<std::int64_t>(incident_id));
  while (q.executeStep()) {
    out.push_back(Action{q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                         q.getColumn(3).getString(), q.getColumn(4).getInt() != 0, q.getColumn(5).getInt64()});
  }
  return out;
}

Result<std::optional<Incident>> IncidentStore::findOpen(const std::string& kind, const std::string& subject) {
  std::lock_guard lock(mu_);
  return guarded("reading incidents", [&]() -> Result<std::optional<Incident>> {
    SQLite::Statement q(*db_, std::string("SELECT ") + kIncidentColumns +
                                  " FROM incidents WHERE kind = ? AND subject = ? AND resolved_at_ms IS NULL "
                                  "ORDER BY id DESC LIMIT 1");
    q.bind(1, kind);
    q.bind(2, subject);
    if (!q.executeStep()) return std::optional<Incident>{};
    Incident i = rowToIncident(q);
    auto actions = actionsOf(i.id);
    if (!actions) return fail(actions.error());
    i.actions = std::move(*actions);
    return std::optional<Incident>{std::move(i)};
  });
}

Result<Incident> IncidentStore::get(std::int64_t incident_id) {
  std::lock_guard lock(mu_);
  return guarded("reading an incident", [&]() -> Result<Incident> {
    SQLite::Statement q(*db_, std::string("SELECT ") + kIncidentColumns + " FROM incidents WHERE id = ?");
    q.bind(1, static_cast<std::int64_t>(incident_id));
    if (!q.executeStep()) return fail(ErrorCode::kNotFound, "no incident " + std::to_string(incident_id));
    Incident i = rowToIncident(q);
    auto actions = actionsOf(i.id);
    if (!actions) return fail(actions.error());
    i.actions = std::move(*actions);
    return i;
  });
}

Result<std::vector<Incident>> IncidentStore::list(const IncidentFilter& filter) {
  std::lock_guard lock(mu_);
  return guarded("listing incidents", [&]() -> Result<std::vector<Incident>> {
    SQLite::Statement q(*db_, std::string("SELECT ") + kIncidentColumns +
                                  " FROM incidents WHERE detected_at_ms >= ? AND (? = '' OR subject = ? OR "
                                  "(subject = 'host' AND instr(situation, '; ' || ? || ' uses ') > 0)) ORDER BY id");
    q.bind(1, static_cast<std::int64_t>(filter.since_ms.value_or(0)));
    q.bind(2, filter.subject);
    q.bind(3, filter.subject);
    q.bind(4, filter.subject);
    std::vector<Incident> out;
    while (q.executeStep()) out.push_back(rowToIncident(q));
    for (auto& i : out) {
      auto actions = actionsOf(i.id);
      if (!actions) return fail(actions.error());
      i.actions = std::move(*actions);
    }
    return out;
  });
}

}  // namespace shipshape::store
