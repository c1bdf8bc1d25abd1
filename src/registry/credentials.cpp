#include "registry/credentials.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>

#include <nlohmann/json.hpp>

#include "common/process.h"

namespace shipshape::registry {

using nlohmann::json;

namespace {

constexpr std::string_view kNotFound = "credentials not found in native keychain";

// Prefixes of the variables a helper may need: pass and GnuPG (docker-credential-pass), the secret service over
// D-Bus (docker-credential-secretservice), cloud SDKs (ecr-login, gcloud, acr-env), and shipshape's own helper.
constexpr const char* kPassedPrefixes[] = {"AWS_", "AZURE_", "GOOGLE_", "CLOUDSDK_", "SHIPSHAPE_CREDENTIALS_"};
constexpr const char* kPassedNames[] = {"HOME",
                                        "USER",
                                        "PATH",
                                        "DBUS_SESSION_BUS_ADDRESS",
                                        "XDG_RUNTIME_DIR",
                                        "XDG_CONFIG_HOME",
                                        "XDG_DATA_HOME",
                                        "PASSWORD_STORE_DIR",
                                        "GNUPGHOME",
                                        "GPG_TTY",
                                        "DOCKER_CONFIG"};

std::map<std::string, std::string> helperEnvironment() {
  std::map<std::string, std::string> env;
  for (const char* name : kPassedNames) {
    if (const char* v = std::getenv(name)) env[name] = v;
  }
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    for (const char* prefix : kPassedPrefixes) {
      if (kv.substr(0, eq).starts_with(prefix)) env[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
    }
  }
  return env;
}

std::string firstLine(std::string_view text) {
  while (!text.empty() && (text.front() == '\n' || text.front() == ' ')) text.remove_prefix(1);
  auto nl = text.find('\n');
  std::string line(text.substr(0, nl));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  if (line.size() > 300) line = line.substr(0, 300) + "…";
  return line;
}

CredentialLookup fromHelper(const std::string& name, const std::string& source, std::string_view registry,
                            std::chrono::milliseconds timeout) {
  CredentialLookup out;
  out.helper = name;
  out.credential.source = source;
  std::string path = findHelper(name);
  if (path.empty()) {
    out.problem = CredentialLookup::Problem::kHelperMissing;
    out.helper_message = "docker-credential-" + name + " is not on PATH";
    return out;
  }
  // The CLI asks with the same key it stores under (Docker Hub's URL form, the bare host elsewhere).
  auto reply = callHelper(path, "get", credentialKey(registry), timeout);
  if (!reply) {
    out.problem = CredentialLookup::Problem::kHelperFailed;
    out.helper_message = reply.error().describe();
    return out;
  }
  if (reply->timed_out) {
    out.problem = CredentialLookup::Problem::kHelperFailed;
    out.helper_message =
        "docker-credential-" + name + " did not answer within " + std::to_string(timeout.count() / 1000) + " s";
    return out;
  }
  if (reply->exit_code != 0) {
    std::string said = firstLine(reply->out.empty() ? reply->err : reply->out);
    if (isNotFoundMessage(said)) return out;  // no credential: anonymous, as the protocol says
    out.problem = CredentialLookup::Problem::kHelperFailed;
    out.helper_message = said.empty() ? "exit " + std::to_string(reply->exit_code) : said;
    return out;
  }
  json doc = json::parse(reply->out, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("Secret") || !doc["Secret"].is_string()) {
    out.problem = CredentialLookup::Problem::kHelperFailed;
    out.helper_message = "docker-credential-" + name + " answered something that is not {\"Username\",\"Secret\"}";
    return out;
  }
  out.credential.username = doc.value("Username", "");
  out.credential.secret = doc["Secret"].get<std::string>();
  out.credential.kind = out.credential.username == "<token>" ? SecretKind::kIdentityToken : SecretKind::kPassword;
  if (out.credential.secret.empty()) out.credential.kind = SecretKind::kNone;
  return out;
}

}  // namespace

std::vector<std::string> helperEnvironmentNames() {
  std::vector<std::string> out(std::begin(kPassedNames), std::end(kPassedNames));
  for (const char* prefix : kPassedPrefixes) out.push_back(std::string(prefix) + "*");
  return out;
}

bool isNotFoundMessage(std::string_view text) { return text.find(kNotFound) != std::string_view::npos; }

std::string findHelper(std::string_view name) {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    auto colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/docker-credential-" + std::string(name);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) return "";
    dirs.remove_prefix(colon + 1);
  }
}

Result<HelperReply> callHelper(const std::string& path, const std::string& verb, std::string_view input,
                               std::chrono::milliseconds timeout) {
  auto child = PipedProcess::spawn({path, verb}, helperEnvironment(), {});
  if (!child) return fail(child.error());
  // A helper that exits without reading stdin makes this write fail with EPIPE; its exit code still tells.
  (void)(*child)->writeStdin(input);
  HelperReply reply;
  auto code = (*child)->waitFor(timeout);
  reply.timed_out = !code;
  reply.exit_code = code.value_or(-1);
  reply.out = (*child)->collectedStdout();
  reply.err = (*child)->collectedStderr();
  return reply;
}

CredentialLookup lookupCredential(const DockerConfig& config, std::string_view registry,
                                  std::chrono::milliseconds helper_timeout) {
  if (auto helper = findCredHelper(config, registry)) {
    return fromHelper(*helper, "helper:" + *helper, registry, helper_timeout);
  }
  if (!config.creds_store.empty()) {
    return fromHelper(config.creds_store, "store:" + config.creds_store, registry, helper_timeout);
  }
  CredentialLookup out;
  const AuthEntry* entry = findAuth(config, registry);
  if (!entry || entry->empty()) return out;
  out.credential.source = "config";
  out.credential.username = entry->username;
  if (!entry->registry_token.empty()) {
    out.credential.kind = SecretKind::kRegistryToken;
    out.credential.secret = entry->registry_token;
  } else if (!entry->identity_token.empty()) {
    out.credential.kind = SecretKind::kIdentityToken;
    out.credential.secret = entry->identity_token;
  } else if (!entry->password.empty()) {
    out.credential.kind = SecretKind::kPassword;
    out.credential.secret = entry->password;
  }
  return out;
}

}  // namespace shipshape::registry
