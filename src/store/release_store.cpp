#include "store/release_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include "store/database.h"
#include "store/sqlite_guard.h"

namespace shipshape::store {
namespace {

constexpr const char* kColumns =
    "id, service, image, digest, image_id, config_hash, container_id, container_name, outcome, reason, actor, "
    "rollback_of, started_at_ms, switched_at_ms, finished_at_ms, detect_ms, rollback_ms, gate_json, spec_json";

std::optional<std::int64_t> optionalColumn(SQLite::Statement& q, int index) {
  if (q.getColumn(index).isNull()) return std::nullopt;
  return q.getColumn(index).getInt64();
}

Release rowToRelease(SQLite::Statement& q) {
  Release r;
  r.id = q.getColumn(0).getInt64();
  r.service = q.getColumn(1).getString();
  r.image = q.getColumn(2).getString();
  r.digest = q.getColumn(3).getString();
  r.image_id = q.getColumn(4).getString();
  r.config_hash = q.getColumn(5).getString();
  r.container_id = q.getColumn(6).getString();
  r.container_name = q.getColumn(7).getString();
  r.outcome = q.getColumn(8).getString();
  r.reason = q.getColumn(9).getString();
  r.actor = q.getColumn(10).getString();
  r.rollback_of = q.getColumn(11).getInt64();
  r.started_at_ms = q.getColumn(12).getInt64();
  r.switched_at_ms = optionalColumn(q, 13);
  r.finished_at_ms = optionalColumn(q, 14);
  r.detect_ms = optionalColumn(q, 15);
  r.rollback_ms = optionalColumn(q, 16);
  r.gate = gateFromJson(q.getColumn(17).getString());
  r.spec_json = q.getColumn(18).getString();
  return r;
}

void bindOptional(SQLite::Statement& q, int index, const std::optional<std::int64_t>& value) {
  if (value) {
    q.bind(index, static_cast<std::int64_t>(*value));
  } else {
    q.bind(index);
  }
}

}  // namespace

std::string gateToJson(const std::vector<GateCheck>& gate) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& g : gate) {
    out.push_back({{"name", g.name}, {"passed", g.passed}, {"duration_ms", g.duration_ms}, {"detail", g.detail}});
  }
  return out.dump();
}

std::vector<GateCheck> gateFromJson(const std::string& json) {
  std::vector<GateCheck> out;
  auto parsed = nlohmann::json::parse(json, nullptr, false);
  if (!parsed.is_array()) return out;
  for (const auto& g : parsed) {
    out.push_back({g.value("name", ""), g.value("passed", false), g.value("duration_ms", std::int64_t{0}),
                   g.value("detail", "")});
  }
  return out;
}

ReleaseStore::ReleaseStore(std::unique_ptr<SQLite::Database> db, SecretBox box)
    : db_(std::move(db)), box_(std::move(box)) {}

Result<Release> ReleaseStore::opened(Release release) const {
  auto spec = box_.openEnv(release.spec_json);
  if (!spec) return fail(spec.error().wrap("release " + std::to_string(release.id) + " of " + release.service));
  release.spec_json = std::move(*spec);
  return release;
}
ReleaseStore::~ReleaseStore() = default;

Result<std::unique_ptr<ReleaseStore>> ReleaseStore::open(const std::string& state_dir) {
  auto db = openDatabase(state_dir, nullptr);
  if (!db) return fail(db.error());
  auto box = SecretBox::open(state_dir);
  if (!box) return fail(box.error());
  return std::unique_ptr<ReleaseStore>(new ReleaseStore(std::move(*db), std::move(*box)));
}

Result<std::int64_t> ReleaseStore::add(const Release& r) {
  std::lock_guard lock(mu_);
  return guarded("recording a release", [&]() -> Result<std::int64_t> {
    SQLite::Statement q(*db_,
                        "INSERT INTO releases (service, image, digest, image_id, config_hash, container_id, "
                        "container_name, outcome, reason, actor, rollback_of, started_at_ms, gate_json, spec_json) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    q.bind(1, r.service);
    q.bind(2, r.image);
    q.bind(3, r.digest);
    q.bind(4, r.image_id);
    q.bind(5, r.config_hash);
    q.bind(6, r.container_id);
    q.bind(7, r.container_name);
    q.bind(8, r.outcome);
    q.bind(9, r.reason);
    q.bind(10, r.actor);
    q.bind(11, static_cast<std::int64_t>(r.rollback_of));
    q.bind(12, static_cast<std::int64_t>(r.started_at_ms));
    q.bind(13, gateToJson(r.gate));
    q.bind(14, box_.sealEnv(r.spec_json));
    q.exec();
    return db_->getLastInsertRowid();
  });
}

Result<void> ReleaseStore::update(const Release& r) {
  std::lock_guard lock(mu_);
  return guarded("updating a release", [&]() -> Result<void> {
    SQLite::Statement q(*db_,
                        "UPDATE releases SET image = ?, digest = ?, image_id = ?, config_hash = ?, container_id = ?, "
                        "container_name = ?, outcome = ?, reason = ?, switched_at_ms = ?, finished_at_ms = ?, "
                        "detect_ms = ?, rollback_ms = ?, gate_json = ?, spec_json = ? WHERE id = ?");
    q.bind(1, r.image);
    q.bind(2, r.digest);
    q.bind(3, r.image_id);
    q.bind(4, r.config_hash);
    q.bind(5, r.container_id);
    q.bind(6, r.container_name);
    q.bind(7, r.outcome);
    q.bind(8, r.reason);
    bindOptional(q, 9, r.switched_at_ms);
    bindOptional(q, 10, r.finished_at_ms);
    bindOptional(q, 11, r.detect_ms);
    bindOptional(q, 12, r.rollback_ms);
    q.bind(13, gateToJson(r.gate));
    q.bind(14, box_.sealEnv(r.spec_json));
    q.bind(15, static_cast<std::int64_t>(r.id));
    if (q.exec() == 0) return fail(ErrorCode::kNotFound, "no release " + std::to_string(r.id));
    return {};
  });
}

Result<std::vector<Release>> ReleaseStore::query(const std::string& where, const std::string& service,
                                                 const char* order) {
  std::lock_guard lock(mu_);
  return guarded("reading releases", [&]() -> Result<std::vector<Release>> {
    SQLite::Statement q(*db_, std::string("SELECT ") + kColumns + " FROM releases WHERE service = ? " + where +
                                  " ORDER BY id " + order);
    q.bind(1, service);
    std::vector<Release> out;
    while (q.executeStep()) {
      auto release = opened(rowToRelease(q));
      if (!release) return fail(release.error());
      out.push_back(std::move(*release));
    }
    return out;
  });
}

Result<Release> ReleaseStore::get(std::int64_t id) {
  std::lock_guard lock(mu_);
  return guarded("reading a release", [&]() -> Result<Release> {
    SQLite::Statement q(*db_, std::string("SELECT ") + kColumns + " FROM releases WHERE id = ?");
    q.bind(1, static_cast<std::int64_t>(id));
    if (!q.executeStep()) return fail(ErrorCode::kNotFound, "no release " + std::to_string(id));
    return opened(rowToRelease(q));
  });
}

Result<std::vector<Release>> ReleaseStore::list(const std::string& service) { return query("", service, "ASC"); }

Result<std::optional<Release>> ReleaseStore::current(const std::string& service) {
  auto rows = query("AND outcome = 'promoted'", service, "DESC");
  if (!rows) return fail(rows.error());
  if (rows->empty()) return std::optional<Release>{};
  return std::optional<Release>{rows->front()};
}

Result<std::vector<Release>> ReleaseStore::knownGood(const std::string& service) {
  return query("AND outcome IN ('promoted', 'superseded')", service, "DESC");
}

Result<void> ReleaseStore::putService(const ServiceRecord& s) {
  std::lock_guard lock(mu_);
  return guarded("recording a service", [&]() -> Result<void> {
    SQLite::Statement q(*db_,
                        "INSERT INTO services (name, source, listen, port, health_path, definition_json, "
                        "updated_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                        "source = excluded.source, listen = excluded.listen, port = excluded.port, health_path = "
                        "excluded.health_path, definition_json = excluded.definition_json, updated_at_ms = "
                        "excluded.updated_at_ms");
    q.bind(1, s.name);
    q.bind(2, s.source);
    q.bind(3, s.listen);
    q.bind(4, s.port);
    q.bind(5, s.health_path);
    q.bind(6, box_.sealEnv(s.definition_json));
    q.bind(7, static_cast<std::int64_t>(s.updated_at_ms));
    q.exec();
    return {};
  });
}

namespace {
ServiceRecord rowToService(SQLite::Statement& q) {
  return ServiceRecord{q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                       q.getColumn(3).getInt(),    q.getColumn(4).getString(), q.getColumn(5).getString(),
                       q.getColumn(6).getInt64()};
}
constexpr const char* kServiceColumns = "name, source, listen, port, health_path, definition_json, updated_at_ms";
}  // namespace

Result<std::optional<ServiceRecord>> ReleaseStore::service(const std::string& name) {
  std::lock_guard lock(mu_);
  return guarded("reading a service", [&]() -> Result<std::optional<ServiceRecord>> {
    SQLite::Statement q(*db_, std::string("SELECT ") + kServiceColumns + " FROM services WHERE name = ?");
    q.bind(1, name);
    if (!q.executeStep()) return std::optional<ServiceRecord>{};
    auto record = rowToService(q);
    auto definition = box_.openEnv(record.definition_json);
    if (!definition) return fail(definition.error().wrap("service " + record.name));
    record.definition_json = std::move(*definition);
    return std::optional<ServiceRecord>{std::move(record)};
  });
}

Result<std::vector<ServiceRecord>> ReleaseStore::services() {
  std::lock_guard lock(mu_);
  return guarded("reading services", [&]() -> Result<std::vector<ServiceRecord>> {
    SQLite::Statement q(*db_, std::string("SELECT ") + kServiceColumns + " FROM services ORDER BY name");
    std::vector<ServiceRecord> out;
    while (q.executeStep()) {
      auto record = rowToService(q);
      auto definition = box_.openEnv(record.definition_json);
      if (!definition) return fail(definition.error().wrap("service " + record.name));
      record.definition_json = std::move(*definition);
      out.push_back(std::move(record));
    }
    return out;
  });
}

}  // namespace shipshape::store
