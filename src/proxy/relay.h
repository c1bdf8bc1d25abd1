// Internals shared by proxy.cpp and relay.cpp (Asio/Beast types; not for other modules).
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "proxy/proxy.h"

namespace shipshape::proxy::detail {

// Every socket, stream and coroutine of the proxy runs on one thread's io_context and names its executor type:
// Asio's default, the type-erased any_io_executor, costs a copy and a destroy per operation on the request path.
using Executor = boost::asio::io_context::executor_type;
using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, Executor>;
using Acceptor = boost::asio::basic_socket_acceptor<boost::asio::ip::tcp, Executor>;

// A service's route, replaced by switches (under `mu`, then `version` bumped). Requests do not take the lock:
// each connection keeps a copy and re-reads it only when `version` moved (RouteCache).
struct ServiceEntry {
  explicit ServiceEntry(std::string service_name) : name(std::move(service_name)) {}
  ServiceRoute get() const {
    std::lock_guard lock(mu);
    return route;
  }
  // Call with `mu` held, after changing `route`.
  void changed() { version.fetch_add(1, std::memory_order_release); }
  const std::string name;
  mutable std::mutex mu;
  ServiceRoute route;  // guarded by mu
  std::atomic<std::uint64_t> version{1};
};

// One connection's copy of its service's route: a lock-free load of the version per request, the lock only
// after a switch. A request that read the old route just before a switch is like one that arrived just
// before it; a retired upstream is caught by the caller (Upstream::retired after begin()).
class RouteCache {
 public:
  const ServiceRoute& get(const ServiceEntry& entry) {
    std::uint64_t v = entry.version.load(std::memory_order_acquire);
    if (v != version_) {
      route_ = entry.get();
      version_ = v;
    }
    return route_;
  }
  void invalidate() { version_ = 0; }

 private:
  std::uint64_t version_ = 0;
  ServiceRoute route_;
};

// Idle keep-alive connections to upstreams, owned by one thread: no locks.
class ConnectionPool {
 public:
  // An idle connection to `upstream` that the peer has not closed, or null. With `can_resend` (the request may be
  // sent again on a new connection), one idle for moments only is not checked.
  std::unique_ptr<Socket> take(const UpstreamPtr& upstream, bool can_resend);
  void put(const UpstreamPtr& upstream, std::unique_ptr<Socket> connection);
  // Closes connections to retired or forgotten upstreams and those idle longer than `max_idle`.
  void sweep(std::chrono::steady_clock::duration max_idle);
  void clear() { idle_.clear(); }

 private:
  struct Idle {
    std::unique_ptr<Socket> connection;
    std::chrono::steady_clock::time_point since;
  };
  struct Entry {
    std::weak_ptr<Upstream> upstream;
    std::vector<Idle> connections;
  };
  std::map<const Upstream*, Entry> idle_;
};

// One I/O thread's world: its io_context, its pool, the proxy's options.
struct ThreadContext {
  explicit ThreadContext(const ProxyOptions& proxy_options) : options(proxy_options) {}
  boost::asio::io_context ioc{1};
  ConnectionPool pool;
  const ProxyOptions& options;
};

// Serves one accepted client connection until it closes (a coroutine on ctx's io_context).
void spawnSession(Socket socket, std::shared_ptr<ServiceEntry> service, ThreadContext& ctx);

}  // namespace shipshape::proxy::detail
