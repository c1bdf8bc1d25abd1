#include "registry/token_request.h"

#include "common/percent_encoding.h"

namespace shipshape::registry {

HttpResponse requestToken(const Challenge& challenge, const std::string& scope, const Credential& credential,
                          std::chrono::milliseconds timeout) {
  std::string realm = challenge.param("realm");
  HttpRequest r{.url = realm, .timeout = timeout};
  if (credential.kind == SecretKind::kIdentityToken) {
    r.method = "POST";
    r.headers.emplace_back("Content-Type: application/x-www-form-urlencoded");
    r.body = "grant_type=refresh_token&client_id=shipshape&refresh_token=" + percentEncode(credential.secret) +
             "&service=" + percentEncode(challenge.param("service")) +
             (scope.empty() ? "" : "&scope=" + percentEncode(scope));
  } else {
    r.url += (realm.find('?') == std::string::npos ? "?" : "&") + std::string("service=") +
             percentEncode(challenge.param("service"));
    if (!scope.empty()) r.url += "&scope=" + percentEncode(scope);
    if (credential.present()) {
      r.url += "&account=" + percentEncode(credential.username);
      r.use_basic = true;
      r.basic_user = credential.username;
      r.basic_password = credential.secret;
    }
  }
  return httpRequest(r);
}

}  // namespace shipshape::registry
