// Internals shared by proxy.cpp and relay.cpp (Asio/Beast types; not for other modules).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "proxy/proxy.h"

namespace shipshape::proxy::detail {

// A service's route, read by every request (copy under a lock) and replaced by switches.
struct ServiceEntry {
  explicit ServiceEntry(std::string service_name) : name(std::move(service_name)) {}
  ServiceRoute get() const {
    std::lock_guard lock(mu);
    return route;
  }
  const std::string name;
  mutable std::mutex mu;
  ServiceRoute route;  // guarded by mu
};

// Idle keep-alive connections to upstreams, owned by one thread: no locks.
class ConnectionPool {
 public:
  // An idle connection to `upstream` that the peer has not closed, or null.
  std::unique_ptr<boost::beast::tcp_stream> take(const UpstreamPtr& upstream);
  void put(const UpstreamPtr& upstream, std::unique_ptr<boost::beast::tcp_stream> connection);
  // Closes connections to retired or forgotten upstreams and those idle longer than `max_idle`.
  void sweep(std::chrono::steady_clock::duration max_idle);
  void clear() { idle_.clear(); }

 private:
  struct Idle {
    std::unique_ptr<boost::beast::tcp_stream> connection;
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
void spawnSession(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServiceEntry> service, ThreadContext& ctx);

}  // namespace shipshape::proxy::detail
