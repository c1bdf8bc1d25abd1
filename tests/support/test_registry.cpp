#include "support/test_registry.h"

#include <sys/stat.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <random>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "support/fixtures.h"
#include "support/http_get.h"

namespace shipshape::testing {

using nlohmann::json;

namespace {

std::string base64Url(std::string_view bytes) {
  std::string s = base64Encode(bytes);
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

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

struct TokenIssuer::Keys {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  ~Keys() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
};

TokenIssuer::TokenIssuer(std::string service, std::chrono::seconds token_lifetime)
    : keys_(std::make_unique<Keys>()), service_(std::move(service)), lifetime_(token_lifetime) {
  keys_->key = EVP_RSA_gen(2048);
  keys_->cert = X509_new();
  X509_set_version(keys_->cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(keys_->cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(keys_->cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(keys_->cert), 86400);
  X509_set_pubkey(keys_->cert, keys_->key);
  X509_NAME* name = X509_get_subject_name(keys_->cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("shipshape test issuer"),
                             -1, -1, 0);
  X509_set_issuer_name(keys_->cert, name);
  X509_sign(keys_->cert, keys_->key, EVP_sha256());
  server_ = std::make_unique<HttpReceiver>([this](const ReceivedRequest& r) { return handle(r); });
}

TokenIssuer::~TokenIssuer() { server_.reset(); }

void TokenIssuer::addUser(const std::string& name, User user) {
  std::lock_guard lock(mu_);
  users_[name] = std::move(user);
}

std::string TokenIssuer::realm() const { return "http://127.0.0.1:" + std::to_string(server_->port()) + "/token"; }

std::string TokenIssuer::certificatePem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, keys_->cert);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return pem;
}

std::size_t TokenIssuer::refreshesServed() const {
  std::lock_guard lock(mu_);
  return refreshes_;
}

std::size_t TokenIssuer::requestsServed() const {
  std::lock_guard lock(mu_);
  return served_;
}

std::string TokenIssuer::makeJwt(std::chrono::seconds lifetime, const std::string& subject,
                                 const std::vector<std::string>& actions, const std::string& repository) const {
  static std::atomic<int> counter{0};
  std::int64_t t = now();
  json claims = {{"iss", issuer_},
                 {"sub", subject},
                 {"aud", service_},
                 {"exp", t + lifetime.count()},
                 {"nbf", t - 60},
                 {"iat", t},
                 {"jti", "jti-" + std::to_string(counter++)},
                 {"access", json::array()}};
  if (!repository.empty()) {
    claims["access"].push_back({{"type", "repository"}, {"name", repository}, {"actions", actions}});
  }
  return sign(claims);
}

std::string TokenIssuer::makeRefreshToken(const std::string& subject, std::chrono::seconds issued_ago,
                                          std::chrono::seconds lifetime) const {
  static std::atomic<int> counter{0};
  std::int64_t issued = now() - issued_ago.count();
  json claims = {{"iss", issuer_},
                 {"sub", subject},
                 {"aud", service_},
                 {"iat", issued},
                 {"exp", issued + lifetime.count()},
                 {"jti", "refresh-" + std::to_string(counter++)},
                 {"refresh", true}};
  return sign(claims);
}

std::string TokenIssuer::sign(const json& claims) const {
  unsigned char* der = nullptr;
  int der_len = i2d_X509(keys_->cert, &der);
  std::string x5c = base64Encode(std::string_view(reinterpret_cast<char*>(der), static_cast<std::size_t>(der_len)));
  OPENSSL_free(der);
  json header = {{"typ", "JWT"}, {"alg", "RS256"}, {"x5c", json::array({x5c})}};
  std::string signing_input = base64Url(header.dump()) + "." + base64Url(claims.dump());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, keys_->key);
  std::size_t sig_len = 0;
  EVP_DigestSign(ctx, nullptr, &sig_len, reinterpret_cast<const unsigned char*>(signing_input.data()),
                 signing_input.size());
  std::string sig(sig_len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &sig_len,
                 reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
  EVP_MD_CTX_free(ctx);
  sig.resize(sig_len);
  return signing_input + "." + base64Url(sig);
}

namespace {

// The scope's repository and the actions of `user` it asks for.
std::pair<std::string, std::vector<std::string>> grant(const std::string& scope, const std::vector<std::string>& has) {
  std::string repository;
  std::vector<std::string> granted;
  if (scope.starts_with("repository:")) {
    std::string rest = scope.substr(11);
    repository = rest.substr(0, rest.rfind(':'));
    std::string asked = rest.substr(rest.rfind(':') + 1);
    for (const auto& action : has) {
      if (("," + asked + ",").find("," + action + ",") != std::string::npos) granted.push_back(action);
    }
  }
  return {repository, granted};
}

}  // namespace

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
      std::string token = form["refresh_token"];
      auto middle = token.substr(token.find('.') + 1);
      middle = middle.substr(0, middle.find('.'));
      auto claims = json::parse(base64Decode(middle).value_or("{}"), nullptr, false);
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
  auto [repository, granted] = grant(form["scope"], user.actions);
  json body = {{"access_token", makeJwt(lifetime_, subject, granted, repository)}, {"expires_in", lifetime_.count()}};
  if (form["access_type"] == "offline" || form["grant_type"] == "refresh_token") {
    body["refresh_token"] = makeRefreshToken(subject, std::chrono::seconds(0), refresh_lifetime_);
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
  if (std::count(password.begin(), password.end(), '.') == 2) {
    auto middle = password.substr(password.find('.') + 1);
    middle = middle.substr(0, middle.find('.'));
    auto claims = json::parse(base64Decode(middle).value_or("{}"), nullptr, false);
    if (claims.is_object() && claims.value("exp", std::int64_t{0}) <= now()) return {401, {}, denied};
  }
  // scope=repository:NAME:pull,push -> grant what the user has of what was asked.
  auto [repository, granted] = grant(query["scope"], user.actions);
  std::string token = makeJwt(lifetime_, name, granted, repository);
  json body = {{"token", token}, {"access_token", token}, {"expires_in", lifetime_.count()}};
  return {200, {"Content-Type: application/json"}, body.dump()};
}

TestRegistry::TestRegistry(const Options& options) {
  port_ = freeLoopbackPort();
  std::string config =
      "version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: " + (dir_ / "data") +
      "\n  delete:\n    enabled: true\nhttp:\n  addr: " + options.listen_host + ":" + std::to_string(port_) + "\n";
  if (!options.htpasswd.empty()) {
    // bcrypt, as the registry requires, by Apache's htpasswd (apache2-utils).
    std::string file = dir_ / "htpasswd";
    for (const auto& [user, password] : options.htpasswd) {
      auto made = runProcess({"/usr/bin/htpasswd", "-Bbn", user, password});
      std::ofstream(file, std::ios::app) << made.out.substr(0, made.out.find('\n')) << "\n";
    }
    config += "auth:\n  htpasswd:\n    realm: shipshape-test\n    path: " + file + "\n";
  } else if (options.issuer) {
    std::ofstream(dir_ / "issuer.pem") << options.issuer->certificatePem();
    config += "auth:\n  token:\n    realm: " + options.issuer->realm() + "\n    service: " + options.issuer->service() +
              "\n    issuer: " + options.issuer->issuer() + "\n    rootcertbundle: " + (dir_ / "issuer.pem") + "\n";
  }
  std::ofstream(dir_ / "config.yml") << config;
  process_ = std::make_unique<BackgroundProcess>(
      std::vector<std::string>{"/usr/bin/docker-registry", "serve", dir_ / "config.yml"});
  up_ = httpGetWhenUp("http://" + address() + "/v2/", std::chrono::seconds(20)).has_value();
}

TestRegistry::~TestRegistry() {
  if (process_) (void)process_->stop(SIGTERM, std::chrono::seconds(10));
}

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
