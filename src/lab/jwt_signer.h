// Registry bearer tokens as a token server signs them: RS256 JWTs from a key of the signer's own, its
// self-signed certificate in the header's `x5c` (a registry trusts it through `rootcertbundle`). The lab's
// token server and the registry tests' issuer both sign with it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace shipshape::lab {

class JwtSigner {
 public:
  JwtSigner(std::string service, std::string issuer);
  ~JwtSigner();
  JwtSigner(const JwtSigner&) = delete;
  JwtSigner& operator=(const JwtSigner&) = delete;

  const std::string& service() const { return service_; }
  const std::string& issuer() const { return issuer_; }
  std::string certificatePem() const;
  // `exp` = now + lifetime (negative: already expired), `access` to `repository` with `actions`.
  std::string makeJwt(std::chrono::seconds lifetime, const std::string& subject,
                      const std::vector<std::string>& actions = {}, const std::string& repository = "") const;
  // An OAuth2 refresh token (docker's "identity token") for `subject`, issued `issued_ago` ago.
  std::string makeRefreshToken(const std::string& subject, std::chrono::seconds issued_ago,
                               std::chrono::seconds lifetime) const;
  std::string sign(const nlohmann::json& claims) const;

 private:
  struct Keys;
  std::unique_ptr<Keys> keys_;
  std::string service_, issuer_;
};

// scope=repository:NAME:pull,push and what a user may do -> the repository and the actions granted.
std::pair<std::string, std::vector<std::string>> grantScope(const std::string& scope,
                                                            const std::vector<std::string>& allowed);
// The claims of a JWT (not verified: the signer's own tokens coming back); null when it is not one.
nlohmann::json jwtClaims(const std::string& token);
// A password that is one of the signer's JWTs (a CI job token) past its `exp`.
bool expiredJwtPassword(const std::string& password);

}  // namespace shipshape::lab
