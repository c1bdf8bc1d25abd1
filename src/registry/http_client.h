// One HTTP(S) request to a registry or its token endpoint, through libcurl. Transport failures come back as a
// value (not an error) with their class — refused/DNS/timeout, TLS, plain HTTP on a TLS port — because they are
// verdicts here, not exceptions. Credentials go in headers only; nothing here logs a request.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace shipshape::registry {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;        // "Name: value"
  std::string basic_user, basic_password;  // Basic auth when basic_user or basic_password is set
  bool use_basic = false;
  std::string body;  // sent with POST/PUT
  std::chrono::milliseconds timeout{10000};
};

struct HttpResponse {
  enum class Transport { kOk, kUnreachable, kTimeout, kTls, kOther } transport = Transport::kOk;
  std::string transport_error;  // libcurl's message with errno, when transport != kOk
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names; the last value wins
  std::string body;                            // at most 1 MiB is kept
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

HttpResponse httpRequest(const HttpRequest& request);

}  // namespace shipshape::registry
