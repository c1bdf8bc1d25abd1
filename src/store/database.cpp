#include "store/database.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <filesystem>

#include <SQLiteCpp/SQLiteCpp.h>

namespace shipshape::store {
namespace {

// Each entry upgrades the schema by one version; never edit a shipped entry, append a new one.
const char* const kMigrations[] = {
    R"(CREATE TABLE incidents (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         kind TEXT NOT NULL,
         subject TEXT NOT NULL,
         subject_id TEXT NOT NULL DEFAULT '',
         situation TEXT NOT NULL DEFAULT '',
         task TEXT NOT NULL DEFAULT '',
         result TEXT NOT NULL DEFAULT '',
         started_at_ms INTEGER NOT NULL,
         detected_at_ms INTEGER NOT NULL,
         resolved_at_ms INTEGER);
       CREATE INDEX incidents_open ON incidents(kind, subject) WHERE resolved_at_ms IS NULL;
       CREATE TABLE actions (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         incident_id INTEGER NOT NULL REFERENCES incidents(id),
         at_ms INTEGER NOT NULL,
         kind TEXT NOT NULL,
         description TEXT NOT NULL,
         outcome TEXT NOT NULL,
         automatic INTEGER NOT NULL,
         duration_ms INTEGER NOT NULL DEFAULT 0);
       CREATE INDEX actions_by_incident ON actions(incident_id);)",
    // 2: the release ledger (deploy) and the services it deploys.
    R"(CREATE TABLE releases (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         service TEXT NOT NULL,
         image TEXT NOT NULL,
         digest TEXT NOT NULL,
         image_id TEXT NOT NULL DEFAULT '',
         config_hash TEXT NOT NULL DEFAULT '',
         container_id TEXT NOT NULL DEFAULT '',
         container_name TEXT NOT NULL DEFAULT '',
         outcome TEXT NOT NULL,
         reason TEXT NOT NULL DEFAULT '',
         actor TEXT NOT NULL DEFAULT '',
         rollback_of INTEGER NOT NULL DEFAULT 0,
         started_at_ms INTEGER NOT NULL,
         switched_at_ms INTEGER,
         finished_at_ms INTEGER,
         detect_ms INTEGER,
         rollback_ms INTEGER,
         gate_json TEXT NOT NULL DEFAULT '[]',
         spec_json TEXT NOT NULL DEFAULT '{}');
       CREATE INDEX releases_by_service ON releases(service, id);
       CREATE TABLE services (
         name TEXT PRIMARY KEY,
         source TEXT NOT NULL,
         listen TEXT NOT NULL,
         port INTEGER NOT NULL,
         health_path TEXT NOT NULL DEFAULT '',
         definition_json TEXT NOT NULL,
         updated_at_ms INTEGER NOT NULL);)",
};

}  // namespace

Result<std::unique_ptr<SQLite::Database>> openDatabase(const std::string& state_dir, std::string* path_out) {
  std::error_code ec;
  bool existed = std::filesystem::exists(state_dir, ec);
  std::filesystem::create_directories(state_dir, ec);
  if (ec) return fail(ErrorCode::kIo, "cannot create state directory " + state_dir + ": " + ec.message());
  // The state holds the ledger (container definitions) and the incident history: only its owner reads it.
  if (!existed) ::chmod(state_dir.c_str(), 0700);
  std::string path = state_dir + "/shipshape.db";
  if (path_out) *path_out = path;
  // Created 0600 before SQLite opens it (its -wal and -shm files take the database file's mode); an older
  // database created with the default mode is tightened by path. Never open() and close() an existing
  // database here: closing any descriptor of a file drops every POSIX lock this process holds on it, SQLite's
  // included, and another process would then checkpoint and delete the WAL under a live connection.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);  // new and empty: no connection of ours can hold a lock on it yet
  } else if (errno != EEXIST) {
    return fail(ErrorCode::kIo, "cannot create " + path + ": " + std::strerror(errno));
  }
  for (const char* suffix : {"", "-wal", "-shm"}) ::chmod((path + suffix).c_str(), 0600);
  try {
    auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    // WAL lets `shipshape incidents` read while `shipshape watch` writes; a busy timeout rides out brief locks.
    db->exec("PRAGMA journal_mode=WAL");
    db->exec("PRAGMA synchronous=NORMAL");
    db->exec("PRAGMA foreign_keys=ON");
    db->setBusyTimeout(5000);
    int version = db->execAndGet("PRAGMA user_version").getInt();
    int target = static_cast<int>(std::size(kMigrations));
    if (version > target) {
      return fail(ErrorCode::kUnsupported, path + " has schema version " + std::to_string(version) +
                                               ", newer than this shipshape (" + std::to_string(target) + ")");
    }
    for (int v = version; v < target; ++v) {
      // BEGIN IMMEDIATE: two processes opening a new database at once must not both migrate.
      db->exec("BEGIN IMMEDIATE");
      try {
        if (db->execAndGet("PRAGMA user_version").getInt() == v) {
          db->exec(kMigrations[v]);
          db->exec("PRAGMA user_version = " + std::to_string(v + 1));
        }
        db->exec("COMMIT");
      } catch (...) {
        db->exec("ROLLBACK");
        throw;
      }
    }
    return db;
  } catch (const SQLite::Exception& e) {
    return fail(ErrorCode::kIo, "cannot open " + path + ": " + e.what());
  }
}

}  // namespace shipshape::store
