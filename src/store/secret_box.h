// Environment variables in stored definitions (release create bodies, service definitions) are encrypted at
// rest: every JSON "Env" list of strings becomes {"sealed": "v1:<base64 nonce|ciphertext|tag>"}
// (AES-256-GCM) before it reaches SQLite, and is opened again when read.
//
// Encrypted, not redacted: a rollback must recreate the exact container, passwords included, offline and
// without the Compose file that once held them; a redacted ledger would start the old release without its
// secrets. The key is `<state-dir>/ledger.key` (32 random bytes, 0600, created once): the database alone (a
// copy, a backup, an `sqlite3 .dump` pasted into a ticket) reveals no secret value; whoever can read the key
// file can already read the state directory and the Docker socket.
#pragma once

#include <string>

#include "common/result.h"

namespace shipshape::store {

class SecretBox {
 public:
  // Loads `<state_dir>/ledger.key`, creating it (0600) when there is none.
  static Result<SecretBox> open(const std::string& state_dir);

  // JSON text in, the same JSON with every "Env" string list sealed. Text that is not JSON is returned as is.
  std::string sealEnv(const std::string& json_text) const;
  // The reverse; fails when a sealed value does not open with this key (a replaced key file, a tampered row).
  Result<std::string> openEnv(const std::string& json_text) const;

 private:
  std::string key_;  // 32 bytes
};

}  // namespace shipshape::store
