// `shipshape registry check`: one verdict per registry, each with its own cause and fix, where the docker CLI
// collapses six causes into three messages and hides a failing credential helper entirely.
//
// The check resolves the credential as the CLI does, probes `/v2/`, follows the challenge (Basic, or Bearer
// through the token endpoint with the push scope of `repository` when one is given), reads the credential's
// and the token's remaining lifetime, and — with a repository — opens and cancels a blob upload, the only way
// to know a push would be allowed whatever the token format. Nothing it returns contains a secret.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "registry/docker_config.h"

namespace shipshape::registry {

enum class Status {
  kOk,
  kNoCredentials,
  kBadCredentials,
  kTokenExpired,
  kExpiresSoon,
  kInsufficientScope,
  kHelperMissing,
  kHelperFailed,
  kUnreachable,
  kTlsError,
  kRegistryError,
};
const char* statusName(Status status);

struct CheckOptions {
  std::string registry;                           // host[:port]
  std::string repository;                         // "" = check the login only; else the push scope of this repository
  std::vector<std::string> insecure_registries;   // plain HTTP allowed (loopback always is, as in dockerd)
  std::chrono::seconds expiry_window{24 * 3600};  // a credential expiring sooner is `expires-soon`
  std::chrono::milliseconds timeout{10000};       // per request, and for the helper
  std::int64_t now = 0;                           // seconds since the epoch; 0 = the clock
};

struct Verdict {
  std::string registry;
  Status status = Status::kOk;
  std::string credential_source = "none";
  std::string detail;                            // what was seen, in words
  std::string fix;                               // what to do ("" when ok)
  std::optional<std::int64_t> expires_at;        // the credential's expiry, when it can be known
  std::optional<std::int64_t> token_expires_at;  // the registry token just issued, when there was one
  std::string url;                               // the /v2/ endpoint that answered
  long long duration_ms = 0;
};

Verdict checkRegistry(const DockerConfig& config, const CheckOptions& options);

// "https://127.0.0.1:5000" or "http://…" — the base URL the check settled on (exposed for push).
bool isInsecureByDefault(const std::string& registry);

}  // namespace shipshape::registry
