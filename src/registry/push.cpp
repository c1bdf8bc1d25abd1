#include "registry/push.h"

#include <algorithm>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/format.h"
#include "registry/challenge.h"
#include "registry/docker_config.h"
#include "registry/http_client.h"
#include "registry/token_request.h"

namespace shipshape::registry {

using nlohmann::json;

namespace {

bool contains(std::string_view text, std::string_view what) { return text.find(what) != std::string_view::npos; }

long long msSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
}

std::string tagOf(const std::string& image) {
  auto slash = image.rfind('/');
  auto colon = image.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) return image.substr(colon + 1);
  return "latest";
}

// The registry's own answer: HEAD on the manifest, authenticated as a pull.
Result<std::string> manifestDigest(const Credential& credential, const std::string& base, const std::string& repo,
                                   const std::string& tag, std::chrono::milliseconds timeout) {
  std::string url = base + "/v2/" + repo + "/manifests/" + tag;
  HttpRequest head{.method = "HEAD", .url = url, .timeout = timeout};
  head.headers = {"Accept: application/vnd.docker.distribution.manifest.v2+json",
                  "Accept: application/vnd.docker.distribution.manifest.list.v2+json",
                  "Accept: application/vnd.oci.image.manifest.v1+json",
                  "Accept: application/vnd.oci.image.index.v1+json"};
  HttpResponse r = httpRequest(head);
  if (r.status == 401) {
    Challenge c = parseChallenge(r.header("www-authenticate"));
    if (c.scheme == "basic") {
      head.headers.push_back("Authorization: Basic " + base64Encode(credential.username + ":" + credential.secret));
    } else if (c.scheme == "bearer") {
      std::string token = credential.kind == SecretKind::kRegistryToken ? credential.secret : "";
      if (token.empty()) {
        HttpResponse answer = requestToken(c, "repository:" + repo + ":pull", credential, timeout);
        auto issued = parseTokenResponse(answer.body, 0);
        if (answer.status != 200 || !issued) {
          return fail(ErrorCode::kApi, "the token endpoint answered HTTP " + std::to_string(answer.status));
        }
        token = issued->token;
      }
      head.headers.push_back("Authorization: Bearer " + token);
    }
    r = httpRequest(head);
  }
  if (r.transport != HttpResponse::Transport::kOk) return fail(ErrorCode::kUnreachable, url + ": " + r.transport_error);
  if (r.status != 200) return fail(ErrorCode::kApi, "HEAD " + url + " answered HTTP " + std::to_string(r.status));
  std::string digest = r.header("docker-content-digest");
  if (digest.empty()) return fail(ErrorCode::kProtocol, "HEAD " + url + " gave no Docker-Content-Digest");
  return digest;
}

}  // namespace

const char* outcomeName(PushResult::Outcome outcome) {
  switch (outcome) {
    case PushResult::Outcome::kPushed: return "pushed";
    case PushResult::Outcome::kRefused: return "refused";
    case PushResult::Outcome::kFailed: return "failed";
    case PushResult::Outcome::kExhausted: return "retries-exhausted";
    case PushResult::Outcome::kUnverified: return "unverified";
  }
  return "?";
}

PushErrorClass classifyPushError(std::string_view m) {
  // Never retried: another attempt gets the same answer.
  if (contains(m, "denied") || contains(m, "insufficient_scope") || contains(m, "does not exist locally") ||
      contains(m, "unknown:") || contains(m, "name unknown") || contains(m, "manifest invalid")) {
    return {"denied", false};
  }
  if (contains(m, "unauthorized") || contains(m, "authentication required") || contains(m, "invalid_token") ||
      contains(m, "token expired") || contains(m, "Token has expired")) {
    return {"auth", true};  // fresh credentials are fetched before the next attempt
  }
  if (contains(m, "HTTP status: 5") || contains(m, " 500 ") || contains(m, " 502 ") || contains(m, " 503 ") ||
      contains(m, " 504 ") || contains(m, "Service Unavailable") || contains(m, "Bad Gateway") ||
      contains(m, "Gateway Timeout") || contains(m, "Internal Server Error") || contains(m, "toomanyrequests")) {
    return {"server", true};
  }
  if (contains(m, "connection reset") || contains(m, "broken pipe") || contains(m, "EOF") ||
      contains(m, "i/o timeout") || contains(m, "connection refused") || contains(m, "TLS handshake timeout") ||
      contains(m, "use of closed network connection")) {
    return {"transport", true};
  }
  return {"other", false};
}

std::string registryAuthHeader(const Credential& credential, const std::string& registry) {
  json auth = {{"serveraddress", registry}};
  switch (credential.kind) {
    case SecretKind::kPassword:
      auth["username"] = credential.username;
      auth["password"] = credential.secret;
      break;
    case SecretKind::kIdentityToken: auth["identitytoken"] = credential.secret; break;
    case SecretKind::kRegistryToken: auth["registrytoken"] = credential.secret; break;
    case SecretKind::kNone: break;
  }
  std::string s = base64Encode(auth.dump());
  for (char& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return s;
}

bool PushTally::add(std::string_view json_line) { return add(json::parse(json_line, nullptr, false)); }

bool PushTally::add(const json& line) {
  if (!line.is_object() || !line.contains("id") || !line["id"].is_string()) return false;
  const std::string id = line["id"];
  if (line.value("status", "") == "Pushed") {
    auto it = layers_.find(id);
    if (it == layers_.end()) return false;
    it->second.current = it->second.total;
    return true;
  }
  auto detail = line.find("progressDetail");
  if (detail == line.end() || !detail->is_object()) return false;
  auto current = detail->find("current"), total = detail->find("total");
  if (current == detail->end() || !current->is_number_integer()) return false;
  Layer& layer = layers_[id];
  layer.current = std::max<std::int64_t>(0, current->get<std::int64_t>());
  if (total != detail->end() && total->is_number_integer())
    layer.total = std::max<std::int64_t>(0, total->get<std::int64_t>());
  layer.total = std::max(layer.total, layer.current);
  return true;
}

std::int64_t PushTally::done() const {
  std::int64_t sum = 0;
  for (const auto& [id, layer] : layers_) sum += layer.current;
  return sum;
}

std::int64_t PushTally::total() const {
  std::int64_t sum = 0;
  for (const auto& [id, layer] : layers_) sum += layer.total;
  return sum;
}

PushResult push(docker::Client& client, const PushOptions& options, const PushProgress& progress,
                const PushBytes& bytes) {
  auto started = std::chrono::steady_clock::now();
  PushResult result;
  std::string host = registryOfImage(options.image);
  std::string repo = repositoryOfImage(options.image);
  auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  auto config = loadDockerConfig(dockerConfigDir());
  if (!config) {
    result.outcome = PushResult::Outcome::kRefused;
    result.error = config.error().describe();
    return result;
  }
  result.verdict = checkRegistry(
      *config,
      {.registry = host, .repository = repo, .insecure_registries = options.insecure, .timeout = options.timeout});
  Status s = result.verdict.status;
  // What retries are for (a registry that is down or failing) does not stop the push; a credential or TLS
  // problem does: no number of attempts fixes it.
  if (s != Status::kOk && s != Status::kExpiresSoon && s != Status::kUnreachable && s != Status::kRegistryError) {
    result.outcome = PushResult::Outcome::kRefused;
    result.error = std::string(statusName(s)) + ": " + result.verdict.detail;
    result.duration_ms = msSince(started);
    return result;
  }
  if (s != Status::kOk) say(std::string("check: ") + statusName(s) + ": " + result.verdict.detail);

  // Re-read before every use: a helper, a secret file or config.json itself may have rotated since.
  auto freshCredential = [&] {
    auto reread = loadDockerConfig(dockerConfigDir());
    return lookupCredential(reread ? *reread : *config, host, options.timeout);
  };
  std::chrono::milliseconds backoff = options.first_backoff;
  for (int n = 1; n <= options.retries + 1; ++n) {
    // Fresh credentials every attempt: a helper or a secret file may have rotated them since the last one.
    CredentialLookup lookup = freshCredential();
    PushAttempt attempt{.number = n};
    auto t0 = std::chrono::steady_clock::now();
    std::string digest;
    PushTally tally;  // a retry starts over
    auto pushed = client.pushImage(options.image, registryAuthHeader(lookup.credential, host), [&](std::string_view l) {
      auto line = json::parse(l, nullptr, false);
      if (bytes && tally.add(line)) bytes(tally.done(), tally.total());
      if (!line.is_object()) return;
      if (line.contains("aux") && line["aux"].is_object()) digest = line["aux"].value("Digest", "");
      if (line.contains("status") && line["status"].is_string() && !line.contains("progressDetail")) {
        std::string st = line["status"];
        if (line.contains("id") && line["id"].is_string()) st = line["id"].get<std::string>() + ": " + st;
        say(st);
      }
    });
    attempt.duration_ms = msSince(t0);
    if (pushed) {
      result.digest = digest;
      result.attempts.push_back(attempt);
      break;
    }
    attempt.error = pushed.error().describe();
    PushErrorClass k = classifyPushError(attempt.error);
    attempt.cause = k.cause;
    attempt.retryable = k.retryable;
    if (!k.retryable) {
      result.attempts.push_back(attempt);
      result.outcome = PushResult::Outcome::kFailed;
      result.error = attempt.error;
      result.duration_ms = msSince(started);
      return result;
    }
    if (n == options.retries + 1) {
      result.attempts.push_back(attempt);
      result.outcome = PushResult::Outcome::kExhausted;
      result.error = attempt.error;
      result.duration_ms = msSince(started);
      return result;
    }
    attempt.backoff_ms = backoff.count();
    result.retry_delay_ms += backoff.count();
    result.attempts.push_back(attempt);
    say("attempt " + std::to_string(n) + " failed (" + k.cause + "): " + attempt.error + "; retrying in " +
        formatDurationMs(backoff.count()));
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, options.max_backoff);
  }

  // Exit 0 only when the registry itself has what the engine says it pushed.
  std::string base = result.verdict.url.substr(0, result.verdict.url.rfind("/v2/"));
  if (base.empty()) base = (isInsecureByDefault(host) ? "http://" : "https://") + host;
  auto there = manifestDigest(freshCredential().credential, base, repo, tagOf(options.image), options.timeout);
  if (!there) {
    result.outcome = PushResult::Outcome::kUnverified;
    result.error = "the push ended but the registry's manifest could not be read: " + there.error().describe();
  } else if (!result.digest.empty() && *there != result.digest) {
    result.registry_digest = *there;
    result.outcome = PushResult::Outcome::kUnverified;
    result.error = "the registry has " + *there + ", the engine pushed " + result.digest;
  } else {
    result.registry_digest = *there;
    result.outcome = PushResult::Outcome::kPushed;
  }
  result.duration_ms = msSince(started);
  return result;
}

}  // namespace shipshape::registry
