#include "registry/check.h"

#include <arpa/inet.h>

#include <chrono>
#include <ctime>

#include "common/base64.h"
#include "common/format.h"
#include "registry/challenge.h"
#include "registry/credentials.h"
#include "registry/http_client.h"
#include "registry/token_request.h"

namespace shipshape::registry {

const char* statusName(Status status) {
  switch (status) {
    case Status::kOk: return "ok";
    case Status::kNoCredentials: return "no-credentials";
    case Status::kBadCredentials: return "bad-credentials";
    case Status::kTokenExpired: return "token-expired";
    case Status::kExpiresSoon: return "expires-soon";
    case Status::kInsufficientScope: return "insufficient-scope";
    case Status::kHelperMissing: return "helper-missing";
    case Status::kHelperFailed: return "helper-failed";
    case Status::kUnreachable: return "unreachable";
    case Status::kTlsError: return "tls-error";
    case Status::kRegistryError: return "registry-error";
  }
  return "?";
}

bool isInsecureByDefault(const std::string& registry) {
  std::string host = normalizeRegistry(registry);
  if (host.starts_with('['))
    host = host.substr(1, host.find(']') - 1);  // [::1]:5000
  else if (auto colon = host.rfind(':'); colon != std::string::npos && host.find(':') == colon)
    host.erase(colon);
  if (host == "localhost" || host == "::1") return true;
  in_addr addr{};
  return ::inet_pton(AF_INET, host.c_str(), &addr) == 1 && (ntohl(addr.s_addr) >> 24) == 127;
}

namespace {

// The state one check carries from step to step.
class Checker {
 public:
  Checker(const DockerConfig& config, const CheckOptions& options) : config_(config), options_(options) {
    now_ = options.now ? options.now : static_cast<std::int64_t>(std::time(nullptr));
    verdict_.registry = normalizeRegistry(options.registry);
  }

  Verdict run() {
    auto started = std::chrono::steady_clock::now();
    step();
    verdict_.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    return verdict_;
  }

 private:
  void step() {
    CredentialLookup lookup = lookupCredential(config_, verdict_.registry, options_.timeout);
    credential_ = lookup.credential;
    verdict_.credential_source = credential_.source;
    std::string helper = "docker-credential-" + lookup.helper;
    if (lookup.problem == CredentialLookup::Problem::kHelperMissing) {
      return set(Status::kHelperMissing,
                 config_.path + " names the credential helper '" + lookup.helper + "' (" + credential_.source +
                     "), but " + helper +
                     " is not on PATH; the docker CLI would push anonymously and fail with "
                     "'denied'",
                 "install " + helper + ", or remove it from config.json and run 'shipshape registry login " +
                     verdict_.registry + "'");
    }
    if (lookup.problem == CredentialLookup::Problem::kHelperFailed) {
      return set(Status::kHelperFailed, helper + " get failed: " + lookup.helper_message,
                 "make the helper work for this user (unlock its keychain or store, check its own configuration), "
                 "then 'shipshape registry check " +
                     verdict_.registry + "' again");
    }
    if (credential_.present()) verdict_.expires_at = jwtExpiry(credential_.secret);

    if (!reachV2()) return;
    if (v2_.status == 200) {
      if (!options_.repository.empty() && !probeUpload("")) return;
      return finish();
    }
    if (v2_.status != 401) {
      return set(Status::kRegistryError,
                 "GET " + verdict_.url + " answered HTTP " + std::to_string(v2_.status) + ": this is not a registry",
                 "check the registry's address (its API lives at /v2/)");
    }
    Challenge challenge = parseChallenge(v2_.header("www-authenticate"));
    // An anonymous token may still pull; a push (and a login) needs a credential.
    if (!credential_.present()) return noCredentials();
    std::string authorization;
    if (challenge.scheme == "basic") {
      authorization = "Authorization: Basic " + base64Encode(credential_.username + ":" + credential_.secret);
      HttpResponse again = request("GET", base_ + "/v2/", authorization);
      if (!transportOk(again, base_ + "/v2/")) return;
      if (again.status == 401 || again.status == 403) return rejected("the registry refused the credential");
      if (again.status >= 500) return serverError(again, base_ + "/v2/");
    } else if (challenge.scheme == "bearer") {
      std::string token;
      if (credential_.kind == SecretKind::kRegistryToken) {
        token = credential_.secret;
      } else if (!fetchToken(challenge, token)) {
        return;
      }
      authorization = "Authorization: Bearer " + token;
      HttpResponse again = request("GET", base_ + "/v2/", authorization);
      if (!transportOk(again, base_ + "/v2/")) return;
      if (again.status >= 500) return serverError(again, base_ + "/v2/");
      if (again.status == 401 || again.status == 403) {
        Challenge why = parseChallenge(again.header("www-authenticate"));
        return rejected("the registry refused the token (" +
                        (why.param("error").empty() ? std::string("no reason given") : why.param("error")) + ")");
      }
      if (!options_.repository.empty()) {
        if (auto actions = jwtActions(token, options_.repository); actions && !actions->empty()) {
          bool push = false;
          for (const auto& a : *actions) push = push || a == "push" || a == "*";
          if (!push) return insufficientScope("the token endpoint granted only [" + join(*actions) + "]");
        }
      }
    } else {
      return set(Status::kRegistryError,
                 "GET " + verdict_.url + " asked for an unsupported authentication scheme '" + challenge.scheme + "'",
                 "the docker CLI cannot authenticate to it either");
    }
    if (!options_.repository.empty() && !probeUpload(authorization)) return;
    finish();
  }

  // Docker Hub's API host differs from its name.
  std::string apiHost() const { return verdict_.registry == "docker.io" ? "registry-1.docker.io" : verdict_.registry; }

  bool insecure() const {
    if (isInsecureByDefault(verdict_.registry)) return true;
    for (const auto& r : options_.insecure_registries) {
      if (normalizeRegistry(r) == verdict_.registry) return true;
    }
    return false;
  }

  HttpResponse request(const std::string& method, const std::string& url, const std::string& authorization) const {
    HttpRequest r{.method = method, .url = url, .timeout = options_.timeout};
    if (!authorization.empty()) r.headers.push_back(authorization);
    return httpRequest(r);
  }

  // GET /v2/ over HTTPS, falling back to plain HTTP where dockerd would (loopback, insecure-registries).
  bool reachV2() {
    base_ = "https://" + apiHost();
    v2_ = request("GET", base_ + "/v2/", "");
    if (v2_.transport == HttpResponse::Transport::kTls || v2_.transport == HttpResponse::Transport::kOther) {
      HttpResponse plain = request("GET", "http://" + apiHost() + "/v2/", "");
      if (plain.transport == HttpResponse::Transport::kOk && insecure()) {
        base_ = "http://" + apiHost();
        v2_ = plain;
      } else if (plain.transport == HttpResponse::Transport::kOk) {
        verdict_.url = base_ + "/v2/";
        set(Status::kTlsError,
            "the registry speaks plain HTTP, and it is not an insecure registry (" + v2_.transport_error + ")",
            "give the registry a TLS certificate, or add \"" + verdict_.registry +
                "\" to \"insecure-registries\" in /etc/docker/daemon.json (and pass --insecure-registry here)");
        return false;
      } else {
        verdict_.url = base_ + "/v2/";
        set(Status::kTlsError, "TLS handshake with " + apiHost() + " failed: " + v2_.transport_error,
            "trust the registry's CA: put it in /etc/docker/certs.d/" + verdict_.registry +
                "/ca.crt (dockerd) and the system store (update-ca-certificates), or fix the certificate's names");
        return false;
      }
    }
    verdict_.url = base_ + "/v2/";
    if (!transportOk(v2_, verdict_.url)) return false;
    if (v2_.status >= 500) {
      serverError(v2_, verdict_.url);
      return false;
    }
    return true;
  }

  bool transportOk(const HttpResponse& r, const std::string& url) {
    if (r.transport == HttpResponse::Transport::kOk) return true;
    if (r.transport == HttpResponse::Transport::kTls) {
      set(Status::kTlsError, url + ": " + r.transport_error, "trust the endpoint's CA or fix its certificate");
    } else {
      set(Status::kUnreachable, url + ": " + r.transport_error,
          "check the address and port, that the registry runs, DNS and firewalls between here and it");
    }
    return false;
  }

  void serverError(const HttpResponse& r, const std::string& url) {
    std::string body = r.body.substr(0, 200);
    while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.pop_back();
    set(Status::kRegistryError, url + " answered HTTP " + std::to_string(r.status) + (body.empty() ? "" : ": " + body),
        "the registry itself is failing: read its logs; 'shipshape push' retries such errors with backoff");
  }

  // The Bearer flow: the token endpoint, with the credential (password, refresh token, or none).
  bool fetchToken(const Challenge& challenge, std::string& token) {
    std::string realm = challenge.param("realm");
    if (realm.empty()) {
      set(Status::kRegistryError, "the Bearer challenge has no realm", "the registry's auth configuration is broken");
      return false;
    }
    std::string scope = options_.repository.empty() ? "" : "repository:" + options_.repository + ":pull,push";
    HttpResponse answer = requestToken(challenge, scope, credential_, options_.timeout);
    std::string where = "the token endpoint " + realm;
    if (answer.transport != HttpResponse::Transport::kOk) {
      transportOk(answer, where);
      return false;
    }
    if (answer.status >= 500) {
      serverError(answer, where);
      return false;
    }
    if (answer.status == 400 || answer.status == 401 || answer.status == 403) {
      if (!credential_.present()) {
        noCredentials();
      } else {
        rejected(where + " refused the credential (HTTP " + std::to_string(answer.status) + ")");
      }
      return false;
    }
    auto issued = parseTokenResponse(answer.body, now_);
    if (answer.status != 200 || !issued) {
      set(Status::kRegistryError, where + " answered HTTP " + std::to_string(answer.status) + " without a token",
          "the registry's token service is misconfigured");
      return false;
    }
    token = issued->token;
    verdict_.token_expires_at = issued->expires_at;
    return true;
  }

  // Opens a blob upload and cancels it: the registry's own answer to "may this credential push here?".
  bool probeUpload(const std::string& authorization) {
    std::string url = base_ + "/v2/" + options_.repository + "/blobs/uploads/";
    HttpResponse r = request("POST", url, authorization);
    if (!transportOk(r, url)) return false;
    if (r.status == 202) {
      std::string location = r.header("location");
      if (!location.empty()) {
        if (location.starts_with('/')) location = base_ + location;
        (void)request("DELETE", location, authorization);  // best effort: an abandoned upload is purged anyway
      }
      return true;
    }
    if (r.status >= 500) {
      serverError(r, url);
      return false;
    }
    if (r.status == 401 || r.status == 403) {
      if (!credential_.present()) {
        noCredentials();
      } else {
        Challenge why = parseChallenge(r.header("www-authenticate"));
        insufficientScope("starting an upload to " + options_.repository + " was refused (HTTP " +
                          std::to_string(r.status) + (why.param("error").empty() ? "" : ", " + why.param("error")) +
                          ")");
      }
      return false;
    }
    set(Status::kRegistryError, "POST " + url + " answered HTTP " + std::to_string(r.status),
        "the registry does not accept pushes here");
    return false;
  }

  void finish() {
    if (verdict_.expires_at && *verdict_.expires_at - now_ < options_.expiry_window.count()) {
      std::int64_t left = *verdict_.expires_at - now_;
      if (left <= 0) {
        return set(Status::kTokenExpired,
                   "the credential expired " + formatDurationMs((now_ - *verdict_.expires_at) * 1000) +
                       " ago (the registry still accepted it)",
                   "rotate it now: 'shipshape registry login " + verdict_.registry + "'");
      }
      return set(Status::kExpiresSoon,
                 "the credential works but expires in " + formatDurationMs(left * 1000) + " (at " +
                     isoTimeMs(*verdict_.expires_at * 1000) + ")",
                 "rotate it before then: 'shipshape registry login " + verdict_.registry +
                     "', or let docker-credential-shipshape refresh it");
    }
    std::string who = credential_.present() ? "with the credential from " + credential_.source : "anonymously";
    set(Status::kOk, (options_.repository.empty() ? "logged in " : "may push to " + options_.repository + " ") + who,
        "");
  }

  void noCredentials() {
    set(Status::kNoCredentials, "the registry asks for credentials and there are none for " + verdict_.registry,
        "'shipshape registry login " + verdict_.registry + "' (or docker login with a credential helper)");
  }

  void rejected(const std::string& what) {
    if (verdict_.expires_at && *verdict_.expires_at <= now_) {
      return set(Status::kTokenExpired, what + ": the credential expired at " + isoTimeMs(*verdict_.expires_at * 1000),
                 "get a fresh token and store it: 'shipshape registry login " + verdict_.registry +
                     "' (docker-credential-shipshape refreshes OAuth tokens ahead of expiry)");
    }
    set(Status::kBadCredentials, what + " (from " + credential_.source + ")",
        "the username or password/token is wrong or was revoked: 'shipshape registry login " + verdict_.registry + "'");
  }

  void insufficientScope(const std::string& what) {
    set(Status::kInsufficientScope, what + ": the credential may log in but not push",
        "grant this account push on " + options_.repository + " in the registry, or use a credential that has it");
  }

  static std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
    return out;
  }

  void set(Status status, std::string detail, std::string fix) {
    verdict_.status = status;
    verdict_.detail = std::move(detail);
    verdict_.fix = std::move(fix);
  }

  const DockerConfig& config_;
  const CheckOptions& options_;
  std::int64_t now_ = 0;
  Verdict verdict_;
  Credential credential_;
  std::string base_;
  HttpResponse v2_;
};

}  // namespace

Verdict checkRegistry(const DockerConfig& config, const CheckOptions& options) {
  return Checker(config, options).run();
}

}  // namespace shipshape::registry
