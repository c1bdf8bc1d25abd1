// Where the Engine API lives and how to reach it, resolved the way the docker CLI does:
// -H / DOCKER_HOST (unix:// or tcp://), DOCKER_TLS_VERIFY / DOCKER_TLS and DOCKER_CERT_PATH.
// Plain values; resolveEndpoint() is pure so that every rule is unit-tested.
#pragma once

#include <string>

#include "common/result.h"

namespace shipshape::docker {

inline constexpr const char* kDefaultSocket = "/var/run/docker.sock";

struct EndpointSettings {
  std::string host;       // DOCKER_HOST or -H; empty means the default socket
  bool tls = false;       // DOCKER_TLS: TLS without verifying the server
  bool tls_verify = false;  // DOCKER_TLS_VERIFY: TLS, server verified against ca.pem
  std::string cert_path;  // DOCKER_CERT_PATH; empty means $HOME/.docker
  std::string home;       // $HOME, for the default cert path
};

// Reads the settings from the process environment.
EndpointSettings settingsFromEnvironment();

struct Endpoint {
  enum class Kind { kUnix, kTcp };
  Kind kind = Kind::kUnix;
  std::string socket_path;  // kUnix
  std::string host;         // kTcp
  int port = 0;             // kTcp
  bool tls = false;
  bool tls_verify = false;
  std::string ca_file, cert_file, key_file;

  // unix:///var/run/docker.sock or tcp://host:2376, as users write it.
  std::string display() const;
  // The scheme://authority prefix for URLs: http://localhost for a socket.
  std::string urlBase() const;
};

// Resolves settings into an endpoint; checks that TLS files exist.
Result<Endpoint> resolveEndpoint(const EndpointSettings& settings);

}  // namespace shipshape::docker
