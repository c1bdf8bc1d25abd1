// The Docker Engine's authorization-plugin protocol (docs: "Access authorization plugin"): the messages the
// engine POSTs to /AuthZPlugin.AuthZReq and /AuthZPlugin.AuthZRes, and the answer it expects. Pure.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace shipshape::admit {

// What the engine tells the plugin about one API request. The body is only present when the client sent
// JSON of at most 1 MiB (the engine's limit); the engine base64-encodes it and we decode it here.
struct AuthzRequest {
  std::string user;    // the TLS client's name; empty on the unix socket
  std::string method;  // "POST"
  std::string uri;     // "/v1.41/containers/create?name=web"
  std::string body;
  bool has_body = false;
};

Result<AuthzRequest> parseAuthzRequest(std::string_view json_text);

// "/v1.41/containers/create?name=web" -> path "/containers/create", query "name=web".
struct ApiRoute {
  std::string path, query;
};
ApiRoute apiRoute(std::string_view uri);
// A query parameter, percent-decoded; empty when absent.
std::string queryParam(std::string_view query, std::string_view key);

// {"Allow":true} or {"Allow":false,"Msg":"..."}: the engine shows Msg to the client as
// "authorization denied by plugin NAME: Msg".
std::string authzAnswer(bool allow, std::string_view message = {});
// {"Implements":["authz"]}
std::string activationAnswer();

}  // namespace shipshape::admit
