// The docker CLI's client configuration (config.json) as far as registry credentials go, and the rules the CLI
// uses to turn an image or registry name into the key it looks credentials up under.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace shipshape::registry {

// One `auths` entry. `auth` is base64 "user:password"; the others are OAuth tokens the CLI saved.
struct AuthEntry {
  std::string key;  // as written in the file ("https://index.docker.io/v1/", "127.0.0.1:5000", ...)
  std::string username, password;
  std::string identity_token;  // an OAuth refresh token (`identitytoken`)
  std::string registry_token;  // a bearer token used as is (`registrytoken`)
  bool empty() const {
    return username.empty() && password.empty() && identity_token.empty() && registry_token.empty();
  }
};

struct DockerConfig {
  std::string path;  // the file read ("" when none exists)
  std::string creds_store;
  std::map<std::string, std::string> cred_helpers;  // registry key -> helper name
  std::vector<AuthEntry> auths;
};

// $DOCKER_CONFIG, else $HOME/.docker — the directory the CLI reads.
std::string dockerConfigDir();

// Reads DIR/config.json. A missing file is an empty configuration; malformed JSON or a bad `auth` field is an
// error naming the file (and the key).
Result<DockerConfig> loadDockerConfig(const std::string& dir);

// "https://127.0.0.1:5000/v1/" -> "127.0.0.1:5000"; every Docker Hub spelling -> "docker.io".
std::string normalizeRegistry(std::string_view name);

// The registry an image reference pushes to: "127.0.0.1:5000/app:1" -> "127.0.0.1:5000", "nginx" -> "docker.io".
std::string registryOfImage(std::string_view image);
// The repository path inside that registry: "127.0.0.1:5000/team/app:1" -> "team/app", "nginx" -> "library/nginx".
std::string repositoryOfImage(std::string_view image);

// The key the CLI stores a registry's credentials under (Docker Hub: "https://index.docker.io/v1/").
std::string credentialKey(std::string_view registry);

// The registries the configuration knows credentials for (normalised, deduplicated, sorted).
std::vector<std::string> configuredRegistries(const DockerConfig& config);

// The `auths` entry for a registry, whatever URL form its key was written in.
const AuthEntry* findAuth(const DockerConfig& config, std::string_view registry);
// The `credHelpers` helper for a registry, likewise.
std::optional<std::string> findCredHelper(const DockerConfig& config, std::string_view registry);

}  // namespace shipshape::registry
