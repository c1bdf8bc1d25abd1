#include "docker/endpoint.h"

#include <cstdlib>
#include <filesystem>

namespace shipshape::docker {
namespace {

std::string envOr(const char* name, const char* fallback = "") {
  const char* value = std::getenv(name);
  return value ? value : fallback;
}

}  // namespace

EndpointSettings settingsFromEnvironment() {
  EndpointSettings s;
  s.host = envOr("DOCKER_HOST");
  // The docker CLI treats any non-empty value as "on".
  s.tls_verify = !envOr("DOCKER_TLS_VERIFY").empty();
  s.tls = !envOr("DOCKER_TLS").empty();
  s.cert_path = envOr("DOCKER_CERT_PATH");
  s.home = envOr("HOME");
  return s;
}

std::string Endpoint::display() const {
  if (kind == Kind::kUnix) return "unix://" + socket_path;
  return "tcp://" + host + ":" + std::to_string(port);
}

std::string Endpoint::urlBase() const {
  if (kind == Kind::kUnix) return "http://localhost";
  std::string authority = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return std::string(tls ? "https://" : "http://") + authority + ":" + std::to_string(port);
}

Result<Endpoint> resolveEndpoint(const EndpointSettings& settings) {
  Endpoint ep;
  ep.tls = settings.tls || settings.tls_verify;
  ep.tls_verify = settings.tls_verify;
  std::string host = settings.host;
  if (host.empty()) host = std::string("unix://") + kDefaultSocket;

  auto startsWith = [&](std::string_view prefix) { return host.rfind(prefix, 0) == 0; };
  if (startsWith("unix://")) {
    ep.kind = Endpoint::Kind::kUnix;
    ep.socket_path = host.substr(7);
    if (ep.socket_path.empty()) ep.socket_path = kDefaultSocket;
    // TLS over a local socket is meaningless; the docker CLI ignores it as well.
    ep.tls = ep.tls_verify = false;
    return ep;
  }
  if (startsWith("ssh://") || startsWith("npipe://") || startsWith("fd://")) {
    return fail(ErrorCode::kUnsupported,
                "DOCKER_HOST " + host + ": only unix:// and tcp:// endpoints are supported");
  }
  std::string rest = host;
  if (startsWith("tcp://")) {
    rest = host.substr(6);
  } else if (host.find("://") != std::string::npos) {
    return fail(ErrorCode::kInvalidArgument, "DOCKER_HOST " + host + ": unknown scheme");
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  ep.kind = Endpoint::Kind::kTcp;
  std::string port_text;
  if (!rest.empty() && rest.front() == '[') {  // [::1]:2376
    auto close = rest.find(']');
    if (close == std::string::npos) {
      return fail(ErrorCode::kInvalidArgument, "DOCKER_HOST " + host + ": unterminated IPv6 address");
    }
    ep.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') port_text = rest.substr(close + 2);
  } else {
    auto colon = rest.rfind(':');
    ep.host = rest.substr(0, colon);
    if (colon != std::string::npos) port_text = rest.substr(colon + 1);
  }
  if (ep.host.empty()) ep.host = "127.0.0.1";
  if (port_text.empty()) {
    ep.port = ep.tls ? 2376 : 2375;
  } else {
    char* end = nullptr;
    long port = std::strtol(port_text.c_str(), &end, 10);
    if (*end != '\0' || port <= 0 || port > 65535) {
      return fail(ErrorCode::kInvalidArgument, "DOCKER_HOST " + host + ": invalid port '" + port_text + "'");
    }
    ep.port = static_cast<int>(port);
  }
  if (ep.tls) {
    std::string dir = settings.cert_path.empty() ? settings.home + "/.docker" : settings.cert_path;
    ep.ca_file = dir + "/ca.pem";
    ep.cert_file = dir + "/cert.pem";
    ep.key_file = dir + "/key.pem";
    std::error_code ec;
    // With verification the CA is required; the client pair is optional, as in the docker CLI.
    if (ep.tls_verify && !std::filesystem::exists(ep.ca_file, ec)) {
      return fail(ErrorCode::kInvalidArgument,
                  "DOCKER_TLS_VERIFY is set but " + ep.ca_file + " does not exist (set DOCKER_CERT_PATH)");
    }
    if (!ep.tls_verify && !std::filesystem::exists(ep.ca_file, ec)) ep.ca_file.clear();
    if (!std::filesystem::exists(ep.cert_file, ec) || !std::filesystem::exists(ep.key_file, ec)) {
      ep.cert_file.clear();
      ep.key_file.clear();
    }
  }
  return ep;
}

}  // namespace shipshape::docker
