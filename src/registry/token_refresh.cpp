#include "registry/token_refresh.h"

#include <ctime>

#include "common/percent_encoding.h"
#include "registry/challenge.h"
#include "registry/check.h"
#include "registry/docker_config.h"
#include "registry/http_client.h"

namespace shipshape::registry {

bool refreshDue(std::string_view token, std::int64_t now, double fraction) {
  auto issued = jwtIssuedAt(token);
  auto expires = jwtExpiry(token);
  if (!issued || !expires || *expires <= *issued) return false;
  double lifetime = static_cast<double>(*expires - *issued);
  return static_cast<double>(now - *issued) >= fraction * lifetime;
}

Result<std::string> refreshIdentityToken(const std::string& server_url, const std::string& token,
                                         std::chrono::milliseconds timeout) {
  std::string registry = normalizeRegistry(server_url);
  std::string host = registry == "docker.io" ? "registry-1.docker.io" : registry;
  std::string v2 = "https://" + host + "/v2/";
  HttpResponse probe = httpRequest({.url = v2, .timeout = timeout});
  if ((probe.transport == HttpResponse::Transport::kTls || probe.transport == HttpResponse::Transport::kOther) &&
      isInsecureByDefault(registry)) {
    v2 = "http://" + host + "/v2/";
    probe = httpRequest({.url = v2, .timeout = timeout});
  }
  if (probe.transport != HttpResponse::Transport::kOk) {
    return fail(ErrorCode::kUnreachable, v2 + ": " + probe.transport_error);
  }
  Challenge challenge = parseChallenge(probe.header("www-authenticate"));
  if (probe.status != 401 || challenge.scheme != "bearer" || challenge.param("realm").empty()) {
    return fail(ErrorCode::kProtocol, v2 + " answered HTTP " + std::to_string(probe.status) +
                                          " without a Bearer challenge: there is no token endpoint to refresh at");
  }
  const std::string realm = challenge.param("realm");
  HttpRequest post{.method = "POST", .url = realm, .timeout = timeout};
  post.headers.emplace_back("Content-Type: application/x-www-form-urlencoded");
  post.body = "grant_type=refresh_token&client_id=shipshape&access_type=offline&refresh_token=" + percentEncode(token) +
              "&service=" + percentEncode(challenge.param("service"));
  HttpResponse answer = httpRequest(post);
  if (answer.transport != HttpResponse::Transport::kOk) {
    return fail(ErrorCode::kUnreachable, realm + ": " + answer.transport_error);
  }
  if (answer.status != 200) {
    return fail(ErrorCode::kApi, "the token endpoint " + realm + " refused the refresh: HTTP " +
                                     std::to_string(answer.status) + " " + answer.body.substr(0, 200));
  }
  auto issued = parseTokenResponse(answer.body, static_cast<std::int64_t>(std::time(nullptr)));
  if (!issued || issued->refresh_token.empty()) {
    return fail(ErrorCode::kProtocol, "the token endpoint " + realm + " answered without a new refresh_token");
  }
  return issued->refresh_token;
}

}  // namespace shipshape::registry
