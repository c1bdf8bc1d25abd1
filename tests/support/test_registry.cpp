#include "support/test_registry.h"

#include <sys/stat.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "support/fixtures.h"
#include "support/http_get.h"

namespace shipshape::testing {

using nlohmann::json;

namespace {

std::map<std::string, std::string> parseQuery(const std::string& path) {
  std::map<std::string, std::string> out;
  auto q = path.find('?');
  if (q == std::string::npos) return out;
  std::string query = path.substr(q + 1);
  std::size_t pos = 0;
  while (pos <= query.size()) {
    auto amp = query.find('&', pos);
    std::string pair = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    auto eq = pair.find('=');
    std::string key = pair.substr(0, eq), value = eq == std::string::npos ? "" : pair.substr(eq + 1);
    std::string decoded;
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (value[i] == '%' && i + 2 < value.size()) {
        decoded += static_cast<char>(std::stoi(value.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        decoded += value[i] == '+' ? ' ' : value[i];
      }
    }
    out[key] = decoded;
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return out;
}

std::int64_t now() { return static_cast<std::int64_t>(std::time(nullptr)); }

}  // namespace

TokenIssuer::TokenIssuer(std::string service, std::chrono::seconds token_lifetime)
    : signer_(std::make_unique<lab::JwtSigner>(std::move(service), "shipshape-test-issuer")),
      lifetime_(token_lifetime) {
  server_ = std::make_unique<HttpReceiver>([this](const ReceivedRequest& r) { return handle(r); });
}

TokenIssuer::~TokenIssuer() { server_.reset(); }

void TokenIssuer::addUser(const std::string& name, User user) {
  std::lock_guard lock(mu_);
  users_[name] = std::move(user);
}

std::string TokenIssuer::realm() const { return "http://127.0.0.1:" + std::to_string(server_->port()) + "/token"; }

std::size_t TokenIssuer::refreshesServed() const {
  std::lock_guard lock(mu_);
  return refreshes_;
}

std::size_t TokenIssuer::requestsServed() const {
  std::lock_guard lock(mu_);
  return served_;
}

// OAuth2 as dockerd speaks it to a token server: grant_type=password (with access_type=offline: `docker
// login`, which keeps the refresh token as the identity token) or grant_type=refresh_token (every later use).
Reply TokenIssuer::handleOAuth(const ReceivedRequest& request) {
  const std::string denied = R"({"error":"invalid_grant"})";
  auto form = parseQuery("?" + request.body);
  std::string subject;
  User user;
  {
    std::lock_guard lock(mu_);
    ++served_;
    if (form["grant_type"] == "password") {
      auto it = users_.find(form["username"]);
      if (it == users_.end() || it->second.password != form["password"]) return {401, {}, denied};
      subject = it->first;
      user = it->second;
    } else if (form["grant_type"] == "refresh_token") {
      // One of ours, marked as a refresh token, not expired, for a user that still exists.
      auto claims = lab::jwtClaims(form["refresh_token"]);
      if (!claims.is_object() || !claims.value("refresh", false) || claims.value("exp", std::int64_t{0}) <= now()) {
        return {401, {}, denied};
      }
      auto it = users_.find(claims.value("sub", ""));
      if (it == users_.end()) return {401, {}, denied};
      subject = it->first;
      user = it->second;
      ++refreshes_;
    } else {
      return {400, {}, R"({"error":"unsupported_grant_type"})"};
    }
  }
  auto [repository, granted] = lab::grantScope(form["scope"], user.actions);
  json body = {{"access_token", signer_->makeJwt(lifetime_, subject, granted, repository)},
               {"expires_in", lifetime_.count()}};
  if (form["access_type"] == "offline" || form["grant_type"] == "refresh_token") {
    body["refresh_token"] = signer_->makeRefreshToken(subject, std::chrono::seconds(0), refresh_lifetime_);
  }
  return {200, {"Content-Type: application/json"}, body.dump()};
}

Reply TokenIssuer::handle(const ReceivedRequest& request) {
  const std::string denied = R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})";
  if (!request.path.starts_with("/token")) return {404, {}, "not found"};
  if (request.method == "POST") return handleOAuth(request);
  auto query = parseQuery(request.path);
  auto auth = request.headers.find("authorization");
  if (auth == request.headers.end() || !auth->second.starts_with("Basic ")) return {401, {}, denied};
  auto decoded = base64Decode(auth->second.substr(6));
  if (!decoded || decoded->find(':') == std::string::npos) return {401, {}, denied};
  std::string name = decoded->substr(0, decoded->find(':'));
  std::string password = decoded->substr(decoded->find(':') + 1);
  User user;
  {
    std::lock_guard lock(mu_);
    ++served_;
    auto it = users_.find(name);
    if (it == users_.end() || it->second.password != password) return {401, {}, denied};
    user = it->second;
  }
  // A password that is one of our JWTs (a CI job token) stops working at its exp.
  if (lab::expiredJwtPassword(password)) return {401, {}, denied};
  // scope=repository:NAME:pull,push -> grant what the user has of what was asked.
  auto [repository, granted] = lab::grantScope(query["scope"], user.actions);
  std::string token = signer_->makeJwt(lifetime_, name, granted, repository);
  json body = {{"token", token}, {"access_token", token}, {"expires_in", lifetime_.count()}};
  return {200, {"Content-Type: application/json"}, body.dump()};
}

TestRegistry::TestRegistry(const Options& options) {
  std::string auth;
  if (!options.htpasswd.empty()) {
    // bcrypt, as the registry requires, by Apache's htpasswd (apache2-utils).
    std::string file = dir_ / "htpasswd";
    for (const auto& [user, password] : options.htpasswd) {
      auto made = runProcess({"/usr/bin/htpasswd", "-Bbn", user, password});
      std::ofstream(file, std::ios::app) << made.out.substr(0, made.out.find('\n')) << "\n";
    }
    auth = "auth:\n  htpasswd:\n    realm: shipshape-test\n    path: " + file + "\n";
  } else if (options.issuer) {
    std::ofstream(dir_ / "issuer.pem") << options.issuer->certificatePem();
    auth = "auth:\n  token:\n    realm: " + options.issuer->realm() + "\n    service: " + options.issuer->service() +
           "\n    issuer: " + options.issuer->issuer() + "\n    rootcertbundle: " + (dir_ / "issuer.pem") + "\n";
  }
  auto started =
      lab::LoopbackRegistry::start({.dir = dir_.path(), .auth_yaml = auth, .listen_host = options.listen_host});
  if (started) {
    registry_ = std::move(*started);
  } else {
    error_ = started.error().describe();
  }
}

TestRegistry::~TestRegistry() = default;

ClientConfig::ClientConfig(const std::string& config_json) {
  std::filesystem::create_directories(dir_ / "bin");
  std::ofstream(dir_ / "config.json") << config_json;
}

void ClientConfig::addHelper(const std::string& name, const std::string& body) {
  std::string path = dir_ / ("bin/docker-credential-" + name);
  std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
  ::chmod(path.c_str(), 0755);
}

void ClientConfig::addShipshapeHelper() {
  std::filesystem::create_symlink(SHIPSHAPE_BINARY, dir_ / "bin/docker-credential-shipshape");
}

std::string ClientConfig::configJson() const {
  std::ifstream in(dir_ / "config.json");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> ClientConfig::env() const {
  const char* path = std::getenv("PATH");
  return {"DOCKER_CONFIG=" + dir_.path(), "SHIPSHAPE_CREDENTIALS_DIR=" + credentialsDir(),
          "PATH=" + (dir_ / "bin") + ":" + (path ? path : "/usr/bin:/bin")};
}

std::string basicAuthField(const std::string& user, const std::string& password) {
  return base64Encode(user + ":" + password);
}

}  // namespace shipshape::testing
