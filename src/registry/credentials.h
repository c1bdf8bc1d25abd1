// Which credential the docker CLI would send to a registry, resolved exactly as it does
// (credHelpers[host] > credsStore > auths[host]), with a helper's failure kept instead of hidden: the CLI
// silently falls back to an anonymous push when a helper is missing or fails, which then ends in "denied".
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "registry/docker_config.h"

namespace shipshape::registry {

enum class SecretKind { kNone, kPassword, kIdentityToken, kRegistryToken };

struct Credential {
  std::string source = "none";  // "helper:NAME", "store:NAME", "config", "none"
  std::string username;
  std::string secret;  // never printed or logged
  SecretKind kind = SecretKind::kNone;
  bool present() const { return kind != SecretKind::kNone; }
};

struct CredentialLookup {
  Credential credential;
  enum class Problem { kNone, kHelperMissing, kHelperFailed } problem = Problem::kNone;
  std::string helper;          // the helper's name, when one was asked
  std::string helper_message;  // what a failing helper said (its first line), or why it did not run
};

// What a credential helper answered to one verb.
struct HelperReply {
  int exit_code = -1;  // -1: killed on timeout or by a signal
  bool timed_out = false;
  std::string out, err;
};

// The absolute path of `docker-credential-NAME` on $PATH, or "" when there is none.
std::string findHelper(std::string_view name);

// Runs `docker-credential-NAME VERB` with `input` on stdin. The helper gets a minimal environment plus what
// helpers are documented to need (HOME, USER, PATH, D-Bus/XDG, pass/GnuPG, cloud SDK settings) — see
// helperEnvironment(). Fails only when it could not start.
Result<HelperReply> callHelper(const std::string& path, const std::string& verb, std::string_view input,
                               std::chrono::milliseconds timeout);

// The variables passed to helpers from shipshape's own environment (exposed for tests and the docs).
std::vector<std::string> helperEnvironmentNames();

// The helper protocol's "not found" answer, which clients must read as "anonymous", not as a failure.
bool isNotFoundMessage(std::string_view text);

// Resolves the credential for `registry`.
CredentialLookup lookupCredential(const DockerConfig& config, std::string_view registry,
                                  std::chrono::milliseconds helper_timeout);

}  // namespace shipshape::registry
