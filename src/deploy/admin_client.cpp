#include "deploy/admin_client.h"

#include "docker/http_transport.h"

namespace shipshape::deploy {

std::string adminSocketPath(const std::string& state_dir) { return state_dir + "/proxy.sock"; }

AdminClient::AdminClient(std::string socket_path) : socket_path_(std::move(socket_path)) {
  docker::Endpoint endpoint;
  endpoint.kind = docker::Endpoint::Kind::kUnix;
  endpoint.socket_path = socket_path_;
  transport_ = std::make_unique<docker::HttpTransport>(
      endpoint, docker::TransportOptions{.connect_timeout = std::chrono::milliseconds(2000),
                                         .request_timeout = std::chrono::milliseconds(120000)});
}

AdminClient::~AdminClient() = default;

Result<void> AdminClient::ping() {
  auto r = call("GET", "/v1/ping");
  if (!r) return fail(r.error());
  return {};
}

Result<nlohmann::json> AdminClient::call(const std::string& method, const std::string& path,
                                         const nlohmann::json& body) {
  docker::HttpRequest request;
  request.method = method;
  request.target = path;
  if (!body.is_null()) {
    request.body = body.dump();
    request.headers.emplace_back("Content-Type", "application/json");
  }
  auto response = transport_->send(request);
  if (!response) {
    if (response.error().code == ErrorCode::kUnreachable) {
      return fail(ErrorCode::kUnreachable,
                  "no shipshape proxy answers on " + socket_path_ +
                      " (start one: `shipshape proxy --state-dir DIR` or `shipshape watch`): " +
                      response.error().message);
    }
    return fail(response.error().wrap("calling the proxy admin API on " + socket_path_));
  }
  auto parsed = nlohmann::json::parse(response->body, nullptr, false);
  if (response->status >= 400) {
    std::string message = parsed.is_object() ? parsed.value("error", response->body) : response->body;
    return fail(response->status == 404 ? ErrorCode::kNotFound
                : response->status == 409 ? ErrorCode::kConflict
                                          : ErrorCode::kApi,
                "proxy: " + message, response->status);
  }
  if (parsed.is_discarded()) return fail(ErrorCode::kProtocol, "proxy: unreadable reply: " + response->body);
  return parsed;
}

}  // namespace shipshape::deploy
