#include "admit/authz_message.h"

#include <nlohmann/json.hpp>

#include "common/base64.h"

namespace shipshape::admit {

using nlohmann::json;

Result<AuthzRequest> parseAuthzRequest(std::string_view json_text) {
  json j = json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(ErrorCode::kProtocol, "authorization request from the engine is not a JSON object");
  }
  auto text = [&](const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  AuthzRequest r;
  r.user = text("User");
  r.method = text("RequestMethod");
  // The engine marshals the field as "RequestUri" (its Go struct tag); the protocol docs write "RequestURI".
  r.uri = text("RequestUri");
  if (r.uri.empty()) r.uri = text("RequestURI");
  if (r.method.empty() || r.uri.empty()) {
    return fail(ErrorCode::kProtocol, "authorization request without RequestMethod or RequestURI");
  }
  // Go marshals []byte as standard base64; null when the engine did not forward the body.
  if (auto it = j.find("RequestBody"); it != j.end() && it->is_string()) {
    auto decoded = base64Decode(it->get<std::string>());
    if (!decoded) return fail(ErrorCode::kProtocol, "authorization request: RequestBody is not base64");
    r.body = std::move(*decoded);
    r.has_body = true;
  }
  return r;
}

ApiRoute apiRoute(std::string_view uri) {
  ApiRoute route;
  auto q = uri.find('?');
  std::string_view path = uri.substr(0, q);
  if (q != std::string_view::npos) route.query = std::string(uri.substr(q + 1));
  // Strip the optional "/v1.41" version prefix the CLI puts in front of every path.
  if (path.size() > 2 && path[0] == '/' && path[1] == 'v') {
    auto slash = path.find('/', 1);
    std::string_view version = path.substr(2, slash == std::string_view::npos ? path.npos : slash - 2);
    bool numeric = !version.empty() && version.find_first_not_of("0123456789.") == std::string_view::npos;
    if (numeric) path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
  }
  route.path = std::string(path);
  return route;
}

namespace {
int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string queryParam(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) != key) continue;
    std::string value;
    std::string_view raw = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '%' && i + 2 < raw.size() && hexValue(raw[i + 1]) >= 0 && hexValue(raw[i + 2]) >= 0) {
        value += static_cast<char>(hexValue(raw[i + 1]) * 16 + hexValue(raw[i + 2]));
        i += 2;
      } else {
        value += raw[i] == '+' ? ' ' : raw[i];
      }
    }
    return value;
  }
  return {};
}

std::string authzAnswer(bool allow, std::string_view message) {
  json j = {{"Allow", allow}};
  if (!message.empty()) j["Msg"] = std::string(message);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string activationAnswer() { return R"({"Implements":["authz"]})"; }

}  // namespace shipshape::admit
