// Debian's docker-registry on loopback, a child of ours, with its storage and configuration in `dir`: the
// lab's registry-auth scenario and the registry tests run it. `auth_yaml` is the configuration's `auth:`
// section (htpasswd or token), empty for none. Stopped (SIGTERM, then the group killed) by the destructor.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/process.h"
#include "common/result.h"

namespace shipshape::lab {

struct LoopbackRegistryOptions {
  std::string dir;
  std::string auth_yaml;
  std::string listen_host = "127.0.0.1";  // "0.0.0.0" to be reachable on the host's own address too
};

inline constexpr const char* kRegistryBinary = "/usr/bin/docker-registry";

class LoopbackRegistry {
 public:
  // Starts it and waits until /v2/ answers (any status).
  static Result<std::unique_ptr<LoopbackRegistry>> start(const LoopbackRegistryOptions& options,
                                                         std::chrono::milliseconds deadline = std::chrono::seconds(20));
  ~LoopbackRegistry();
  LoopbackRegistry(const LoopbackRegistry&) = delete;
  LoopbackRegistry& operator=(const LoopbackRegistry&) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  std::string log() const;

 private:
  LoopbackRegistry() = default;
  int port_ = 0;
  std::unique_ptr<PipedProcess> process_;
};

}  // namespace shipshape::lab
