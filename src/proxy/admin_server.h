// The proxy's admin API: HTTP/1.1 on a unix socket in the state directory (mode 0600, so only the user that
// runs the proxy and root may steer traffic). `deploy`, `rollback` and `adopt` talk to it; nothing listens on
// the network. One thread per connection: admin calls are few and some (probes) take seconds. The server owns
// those threads: a client has `kAdminIoTimeout` to send its request and read the answer, and the destructor
// wakes every connection still reading and joins every thread before it frees anything they use.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"

namespace shipshape::proxy {

struct AdminReply {
  int status = 200;
  std::string body;  // JSON
};

// method ("GET", "POST", ...), target ("/v1/services/web"), body -> reply.
inline constexpr std::chrono::seconds kAdminIoTimeout{10};

using AdminHandler = std::function<AdminReply(const std::string& method, const std::string& target,
                                              const std::string& body)>;

class AdminServer {
 public:
  // Binds `socket_path` (refusing when another live proxy answers there; a stale socket file is replaced).
  static Result<std::unique_ptr<AdminServer>> start(const std::string& socket_path, AdminHandler handler);
  ~AdminServer();  // stops accepting, unlinks the socket, ends idle connections, joins calls in progress
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

 private:
  struct Impl;
  explicit AdminServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace shipshape::proxy
