// The release ledger (per service, append-only: rows change outcome, never disappear) and the service table,
// in the same SQLite database as incidents. Calls are serialised internally; share one per process.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/release.h"
#include "store/secret_box.h"

namespace SQLite {
class Database;
}

namespace shipshape::store {

class ReleaseStore {
 public:
  static Result<std::unique_ptr<ReleaseStore>> open(const std::string& state_dir);
  ~ReleaseStore();

  Result<std::int64_t> add(const Release& release);  // returns the new ID
  Result<void> update(const Release& release);       // everything but id, service and started_at_ms
  Result<Release> get(std::int64_t id);
  Result<std::vector<Release>> list(const std::string& service);  // oldest first
  // The release serving traffic: the newest promoted one.
  Result<std::optional<Release>> current(const std::string& service);
  // Releases that served well (promoted or superseded), newest first.
  Result<std::vector<Release>> knownGood(const std::string& service);

  Result<void> putService(const ServiceRecord& service);
  Result<std::optional<ServiceRecord>> service(const std::string& name);
  Result<std::vector<ServiceRecord>> services();

 private:
  ReleaseStore(std::unique_ptr<SQLite::Database> db, SecretBox box);
  Result<Release> opened(Release release) const;  // spec_json with its Env unsealed
  Result<std::vector<Release>> query(const std::string& where, const std::string& service, const char* order);

  std::mutex mu_;
  std::unique_ptr<SQLite::Database> db_;  // guarded by mu_
  SecretBox box_;                         // Env values are sealed at rest (secret_box.h)
};

// Gate results as JSON (stored in the ledger, printed by `releases --format json`).
std::string gateToJson(const std::vector<GateCheck>& gate);
std::vector<GateCheck> gateFromJson(const std::string& json);

}  // namespace shipshape::store
