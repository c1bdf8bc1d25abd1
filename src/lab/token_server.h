// A registry token server on loopback for the lab (GET /token with Basic auth, as `docker login` and dockerd
// ask it): users with their password and the actions they may do; a password that is itself one of the
// signer's JWTs — a CI job token — works only until its `exp`. Tokens live `token_lifetime`.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "lab/jwt_signer.h"
#include "serve/http_server.h"

namespace shipshape::lab {

class TokenServer {
 public:
  static Result<std::unique_ptr<TokenServer>> start(std::string service, std::chrono::seconds token_lifetime);
  ~TokenServer();

  // Replaces the user's password (a rotation) or adds the user.
  void setUser(const std::string& name, const std::string& password,
               std::vector<std::string> actions = {"pull", "push"});
  const JwtSigner& signer() const { return signer_; }
  std::string realm() const;
  // The registry's `auth:` section trusting this server (the certificate written to `cert_path`).
  Result<std::string> registryAuthYaml(const std::string& cert_path) const;

 private:
  TokenServer(std::string service, std::chrono::seconds token_lifetime);
  serve::HttpReply handle(const serve::HttpRequest& request);

  JwtSigner signer_;
  std::chrono::seconds lifetime_;
  struct User {
    std::string password;
    std::vector<std::string> actions;
  };
  std::mutex mu_;
  std::map<std::string, User> users_;          // guarded by mu_
  std::unique_ptr<serve::HttpServer> server_;  // last: stopped first, while what it reads still exists
};

}  // namespace shipshape::lab
