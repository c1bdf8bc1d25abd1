// The plugin's HTTP server on a unix socket, as the engine's plugin client expects it: POST requests with
// JSON bodies, answered with Content-Type application/vnd.docker.plugins.v1+json, on kept-alive connections.
// One I/O thread accepts, reads and writes; requests it cannot answer at once go to a small worker pool, so a
// judgement that waits on the engine never holds up the engine's other authorization calls (the engine asks
// about our own image lookup too: answering that on the I/O thread is what keeps this from deadlocking).
//
// Security: the socket is created 0600 (dockerd runs as root); a stale socket is replaced, a live one is
// an error. Beast is included by plugin_server.cpp alone.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"

namespace shipshape::admit {

struct PluginServerOptions {
  std::string socket_path;  // /run/docker/plugins/shipshape.sock
  int workers = 4;
  // Both get the request's path ("/AuthZPlugin.AuthZReq") and body. `at_once` runs on the I/O thread and
  // returns the JSON answer, or nullopt to hand the request to `handle` on a worker; `handle` returns the
  // answer, or nullopt for 404.
  std::function<std::optional<std::string>(const std::string& path, const std::string& body)> at_once;
  std::function<std::optional<std::string>(const std::string& path, const std::string& body)> handle;
};

class PluginServer {
 public:
  // Binds and starts serving; errors name the socket and errno.
  static Result<std::unique_ptr<PluginServer>> start(PluginServerOptions options);
  // Stops accepting, joins the I/O thread and the workers, removes the socket. Reverse order of start.
  ~PluginServer();
  PluginServer(const PluginServer&) = delete;
  PluginServer& operator=(const PluginServer&) = delete;

  const std::string& socketPath() const;

 private:
  struct Impl;
  explicit PluginServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace shipshape::admit
