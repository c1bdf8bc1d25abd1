// Debian's docker-registry on loopback for the registry tests, in the set-ups they need: htpasswd (Basic) or
// token auth against a TokenIssuer the tests run. The registry runs as a child of the test and is stopped by
// the destructor; its storage and configuration live in a temporary directory.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lab/jwt_signer.h"
#include "lab/loopback_registry.h"
#include "support/http_receiver.h"
#include "support/process.h"
#include "support/scoped.h"

namespace shipshape::testing {

// A token endpoint: RS256 JWTs signed by a key of its own, with its self-signed certificate in the JWT's `x5c`
// (the registry trusts that certificate through `rootcertbundle`). Users are checked with Basic auth; each has
// the actions it is granted on any repository. A password that is itself a JWT this issuer made is accepted
// only before its `exp` (a CI token that expires).
class TokenIssuer {
 public:
  struct User {
    std::string password;
    std::vector<std::string> actions = {"pull", "push"};
  };
  TokenIssuer(std::string service, std::chrono::seconds token_lifetime);
  ~TokenIssuer();
  TokenIssuer(const TokenIssuer&) = delete;
  TokenIssuer& operator=(const TokenIssuer&) = delete;

  void addUser(const std::string& name, User user);
  std::string realm() const;
  const std::string& service() const { return signer_->service(); }
  const std::string& issuer() const { return signer_->issuer(); }
  std::string certificatePem() const { return signer_->certificatePem(); }
  // A signed JWT with `exp` = now + lifetime (negative: already expired) and the given access.
  std::string makeJwt(std::chrono::seconds lifetime, const std::string& subject,
                      const std::vector<std::string>& actions_on_all = {}, const std::string& repository = "") const {
    return signer_->makeJwt(lifetime, subject, actions_on_all, repository);
  }
  // An OAuth2 refresh token (docker's "identity token") for `subject`, issued `issued_ago` ago.
  std::string makeRefreshToken(const std::string& subject, std::chrono::seconds issued_ago,
                               std::chrono::seconds lifetime) const {
    return signer_->makeRefreshToken(subject, issued_ago, lifetime);
  }
  // The lifetime of the refresh tokens the OAuth flow hands out.
  void setRefreshLifetime(std::chrono::seconds lifetime) { refresh_lifetime_ = lifetime; }
  std::size_t requestsServed() const;
  std::size_t refreshesServed() const;  // grant_type=refresh_token answered

 private:
  Reply handle(const ReceivedRequest& request);
  Reply handleOAuth(const ReceivedRequest& request);
  std::unique_ptr<lab::JwtSigner> signer_;
  std::chrono::seconds lifetime_;
  mutable std::mutex mu_;
  std::map<std::string, User> users_;
  std::size_t served_ = 0;
  std::size_t refreshes_ = 0;  // guarded by mu_
  std::chrono::seconds refresh_lifetime_{3600};
  std::unique_ptr<HttpReceiver> server_;  // last: stopped first, while the keys and users it reads still exist
};

class TestRegistry {
 public:
  struct Options {
    std::map<std::string, std::string> htpasswd;  // user -> password (Basic auth)
    const TokenIssuer* issuer = nullptr;          // token auth instead
    std::string listen_host = "127.0.0.1";        // "0.0.0.0" to be reachable on the host's own address too
  };
  explicit TestRegistry(const Options& options);
  ~TestRegistry();
  TestRegistry(const TestRegistry&) = delete;
  TestRegistry& operator=(const TestRegistry&) = delete;

  // "127.0.0.1:PORT"
  std::string address() const { return registry_ ? registry_->address() : "127.0.0.1:0"; }
  unsigned short port() const { return registry_ ? static_cast<unsigned short>(registry_->port()) : 0; }
  bool up() const { return registry_ != nullptr; }
  std::string log() const { return registry_ ? registry_->log() : error_; }

 private:
  ScopedTempDir dir_{"registry"};
  std::unique_ptr<lab::LoopbackRegistry> registry_;
  std::string error_;
};

// A DOCKER_CONFIG directory holding `config_json`, and PATH entries for test credential helpers.
class ClientConfig {
 public:
  explicit ClientConfig(const std::string& config_json);
  const std::string& dir() const { return dir_.path(); }
  // Writes an executable docker-credential-NAME (a /bin/sh script with `body`) into the bin directory.
  void addHelper(const std::string& name, const std::string& body);
  // Puts docker-credential-shipshape (the shipshape binary under that name) into the bin directory; its store
  // is credentialsDir().
  void addShipshapeHelper();
  std::string credentialsDir() const { return dir_ / "credentials"; }
  std::string configJson() const;
  // Environment for runProcess: DOCKER_CONFIG, SHIPSHAPE_CREDENTIALS_DIR and PATH with the helpers first.
  std::vector<std::string> env() const;

 private:
  ScopedTempDir dir_{"docker-config"};
};

// base64 of "user:password" for an `auths` entry.
std::string basicAuthField(const std::string& user, const std::string& password);

}  // namespace shipshape::testing
