#include "registry/token_request.h"

namespace shipshape::registry {

HttpResponse requestToken(const Challenge& challenge, const std::string& scope, const Credential& credential,
                          std::chrono::milliseconds timeout) {
  std::string realm = challenge.param("realm");
  HttpRequest r{.url = realm, .timeout = timeout};
  if (credential.kind == SecretKind::kIdentityToken) {
    r.method = "POST";
    r.headers.emplace_back("Content-Type: application/x-www-form-urlencoded");
    r.body = "grant_type=refresh_token&client_id=shipshape&refresh_token=" + urlEncode(credential.secret) +
             "&service=" + urlEncode(challenge.param("service")) + (scope.empty() ? "" : "&scope=" + urlEncode(scope));
  } else {
    r.url += (realm.find('?') == std::string::npos ? "?" : "&") + std::string("service=") +
             urlEncode(challenge.param("service"));
    if (!scope.empty()) r.url += "&scope=" + urlEncode(scope);
    if (credential.present()) {
      r.url += "&account=" + urlEncode(credential.username);
      r.use_basic = true;
      r.basic_user = credential.username;
      r.basic_password = credential.secret;
    }
  }
  return httpRequest(r);
}

}  // namespace shipshape::registry
