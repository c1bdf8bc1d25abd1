#include "lab/token_server.h"

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/file.h"

namespace shipshape::lab {

TokenServer::TokenServer(std::string service, std::chrono::seconds token_lifetime)
    : signer_(std::move(service), "shipshape-lab-issuer"), lifetime_(token_lifetime) {}

TokenServer::~TokenServer() { server_.reset(); }

Result<std::unique_ptr<TokenServer>> TokenServer::start(std::string service, std::chrono::seconds token_lifetime) {
  std::unique_ptr<TokenServer> server(new TokenServer(std::move(service), token_lifetime));
  serve::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.routes["/token"] = [raw = server.get()](const serve::HttpRequest& r) { return raw->handle(r); };
  auto started = serve::HttpServer::start(std::move(options));
  if (!started) return fail(started.error().wrap("the lab's token server"));
  server->server_ = std::move(*started);
  return server;
}

void TokenServer::setUser(const std::string& name, const std::string& password, std::vector<std::string> actions) {
  std::lock_guard lock(mu_);
  users_[name] = {password, std::move(actions)};
}

std::string TokenServer::realm() const { return "http://" + server_->address() + "/token"; }

Result<std::string> TokenServer::registryAuthYaml(const std::string& cert_path) const {
  if (auto written = writeFileAtomic(cert_path, signer_.certificatePem(), 0644); !written) return fail(written.error());
  return "auth:\n  token:\n    realm: " + realm() + "\n    service: " + signer_.service() +
         "\n    issuer: " + signer_.issuer() + "\n    rootcertbundle: " + cert_path + "\n";
}

serve::HttpReply TokenServer::handle(const serve::HttpRequest& request) {
  const serve::HttpReply denied{401, "application/json",
                                R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})"};
  if (!request.authorization.starts_with("Basic ")) return denied;
  auto decoded = base64Decode(request.authorization.substr(6));
  if (!decoded || decoded->find(':') == std::string::npos) return denied;
  std::string name = decoded->substr(0, decoded->find(':'));
  std::string password = decoded->substr(decoded->find(':') + 1);
  std::vector<std::string> actions;
  {
    std::lock_guard lock(mu_);
    auto it = users_.find(name);
    if (it == users_.end() || it->second.password != password) return denied;
    actions = it->second.actions;
  }
  if (expiredJwtPassword(password)) return denied;
  auto scope = request.query.find("scope");
  auto [repository, granted] = grantScope(scope == request.query.end() ? "" : scope->second, actions);
  std::string token = signer_.makeJwt(lifetime_, name, granted, repository);
  nlohmann::json body = {{"token", token}, {"access_token", token}, {"expires_in", lifetime_.count()}};
  return {200, "application/json", body.dump()};
}

}  // namespace shipshape::lab
