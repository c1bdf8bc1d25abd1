// shipshape's own credential store, behind `docker-credential-shipshape`: one JSON file in a directory only its
// owner can enter (0700, the file 0600, written atomically under a lock). An entry holds either the secret itself
// or the path of a file an orchestrator mounts and rotates (`/run/secrets/...`), read at every `get` so that a
// rotated secret is used by the next push without anyone logging in again.
//
// The directory: $SHIPSHAPE_CREDENTIALS_DIR, else /etc/shipshape/credentials for root, else
// $XDG_CONFIG_HOME/shipshape/credentials (~/.config/...). A store readable by group or others is refused.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace shipshape::registry {

struct StoredCredential {
  std::string server_url;  // as the client gave it
  std::string username;
  std::string secret;       // "" when secret_file is used
  std::string secret_file;  // read at every get
};

class CredentialStore {
 public:
  explicit CredentialStore(std::string dir) : dir_(std::move(dir)) {}
  static std::string defaultDir();

  Result<void> store(const StoredCredential& credential);
  // nullopt: nothing stored for this registry (any URL form of it).
  Result<std::optional<StoredCredential>> get(std::string_view server_url) const;  // secret_file resolved
  Result<bool> erase(std::string_view server_url);
  Result<std::map<std::string, std::string>> list() const;  // server URL -> username
  const std::string& dir() const { return dir_; }

 private:
  std::string file() const { return dir_ + "/credentials.json"; }
  Result<std::map<std::string, StoredCredential>> load() const;
  Result<void> save(const std::map<std::string, StoredCredential>& entries);
  std::string dir_;
};

}  // namespace shipshape::registry
