// The built-in reverse proxy that makes deploys zero-downtime: one listener per service, HTTP/1.1 keep-alive on
// both sides, request and response bodies streamed, WebSocket upgrades passed through. Each service has an
// active upstream (where new requests go) and may have a standby (the previous version, kept warm during a
// bake): switching is one pointer swap under a lock, so a request is never half-routed.
//
// Threads: one io_context per thread, each with its own SO_REUSEPORT acceptor per listener, so a connection
// lives on one thread for its whole life (no locks on the hot path but the route snapshot).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "proxy/upstream.h"

namespace shipshape::proxy {

struct ProxyOptions {
  int threads = 0;  // 0: one per core
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds response_timeout{60000};  // to the upstream's response header
  std::chrono::milliseconds idle_timeout{60000};      // a keep-alive client with nothing to say
};

struct ServiceRoute {
  UpstreamPtr active;
  UpstreamPtr standby;  // the previous version: retry target for idempotent requests, switch-back target
};

struct ServiceStatus {
  std::string name;
  std::string listen;  // bound address
  ServiceRoute route;
};

class Proxy {
 public:
  static Result<std::unique_ptr<Proxy>> start(ProxyOptions options = {});
  ~Proxy();  // closes listeners and connections
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  // Listens for `service` on HOST:PORT (port 0: any free one); a service already listening elsewhere moves.
  // Returns the bound address. Errors name the address and errno's message.
  Result<std::string> listen(const std::string& service, const std::string& address);

  // Points new requests at `next` atomically; the old active becomes the standby. Returns the old active.
  UpstreamPtr switchTo(const std::string& service, UpstreamPtr next);
  // Swaps active and standby (the bake's switch-back). False when there is no standby.
  bool switchBack(const std::string& service);
  void clearStandby(const std::string& service);
  ServiceRoute route(const std::string& service) const;
  std::vector<ServiceStatus> services() const;

  // Waits until `upstream` has no HTTP request in flight, up to `timeout`; returns how many were left.
  static std::int64_t drain(const Upstream& upstream, std::chrono::milliseconds timeout);

 private:
  struct Impl;
  explicit Proxy(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace shipshape::proxy
