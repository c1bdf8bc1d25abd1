// The state database shared by the incident store and the release ledger: one SQLite file in WAL mode,
// <state_dir>/shipshape.db, its schema upgraded in place on open (docs/state-format.md).
#pragma once

#include <memory>
#include <string>

#include "common/result.h"

namespace SQLite {
class Database;
}

namespace shipshape::store {

// Opens (creating it and its directory if needed) and migrates the database. `path_out` gets its path.
Result<std::unique_ptr<SQLite::Database>> openDatabase(const std::string& state_dir, std::string* path_out);

}  // namespace shipshape::store
