#include "proxy/proxy.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>
#include <thread>

#include "common/log.h"
#include "proxy/relay.h"
#include "serve/http_server.h"

namespace shipshape::proxy {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using detail::ServiceEntry;
using detail::ThreadContext;

namespace {

// Accepts on one thread's acceptor until it is closed.
asio::awaitable<void, detail::Executor> acceptLoop(std::shared_ptr<detail::Acceptor> acceptor,
                                                   std::shared_ptr<ServiceEntry> service, ThreadContext& ctx) {
  for (;;) {
    boost::system::error_code ec;
    auto token = asio::redirect_error(asio::use_awaitable_t<detail::Executor>{}, ec);
    detail::Socket socket = co_await acceptor->async_accept(token);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
      // EMFILE and friends: back off briefly instead of spinning.
      asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>,
                                 detail::Executor>
          pause(ctx.ioc, std::chrono::milliseconds(50));
      co_await pause.async_wait(token);
      continue;
    }
    detail::spawnSession(std::move(socket), service, ctx);
  }
}

// Closes idle upstream connections to retired upstreams every second.
asio::awaitable<void> sweepLoop(ThreadContext& ctx) {
  asio::steady_timer timer(ctx.ioc);
  for (;;) {
    timer.expires_after(std::chrono::seconds(1));
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    ctx.pool.sweep(std::chrono::seconds(30));
  }
}

}  // namespace

struct Proxy::Impl {
  ProxyOptions options;
  std::vector<std::unique_ptr<ThreadContext>> contexts;
  std::vector<std::thread> threads;
  using Guard = asio::executor_work_guard<asio::io_context::executor_type>;
  std::vector<Guard> guards;

  struct Listener {
    std::shared_ptr<ServiceEntry> entry;
    std::string address;
    std::vector<std::shared_ptr<detail::Acceptor>> acceptors;  // one per thread
  };
  mutable std::mutex mu;
  std::map<std::string, Listener> listeners;  // guarded by mu

  // Runs `fn` on every thread's io_context and waits: acceptors belong to their thread.
  void onEachThread(const std::function<void(ThreadContext&, std::size_t)>& fn) {
    std::vector<std::future<void>> done;
    for (std::size_t i = 0; i < contexts.size(); ++i) {
      auto task = std::make_shared<std::packaged_task<void()>>([&, i] { fn(*contexts[i], i); });
      done.push_back(task->get_future());
      asio::post(contexts[i]->ioc, [task] { (*task)(); });
    }
    for (auto& d : done) d.get();
  }

  std::shared_ptr<ServiceEntry> entry(const std::string& service) const {
    std::lock_guard lock(mu);
    auto it = listeners.find(service);
    return it == listeners.end() ? nullptr : it->second.entry;
  }
};

Proxy::Proxy(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Proxy::~Proxy() {
  {
    std::lock_guard lock(impl_->mu);
    for (auto& [name, listener] : impl_->listeners) {
      for (auto& acceptor : listener.acceptors) {
        asio::post(acceptor->get_executor(), [acceptor] {
          boost::system::error_code ec;
          acceptor->close(ec);
        });
      }
    }
  }
  for (auto& ctx : impl_->contexts) ctx->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  // Sessions still suspended are destroyed with their io_context, before the pools they borrow from.
  for (auto& ctx : impl_->contexts) ctx->pool.clear();
}

Result<std::unique_ptr<Proxy>> Proxy::start(ProxyOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  int threads = options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  if (threads <= 0) threads = 1;
  for (int i = 0; i < threads; ++i) impl->contexts.push_back(std::make_unique<ThreadContext>(impl->options));
  for (auto& ctx : impl->contexts) {
    impl->guards.emplace_back(asio::make_work_guard(ctx->ioc));
    asio::co_spawn(ctx->ioc, sweepLoop(*ctx), asio::detached);
  }
  for (auto& ctx : impl->contexts) {
    impl->threads.emplace_back([c = ctx.get()] { c->ioc.run(); });
  }
  return std::unique_ptr<Proxy>(new Proxy(std::move(impl)));
}

Result<std::string> Proxy::listen(const std::string& service, const std::string& address) {
  auto parsed = serve::parseListenAddress(address);
  if (!parsed) return fail(parsed.error());
  auto [host, port] = *parsed;
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(host, ec);
  if (ec) return fail(ErrorCode::kInvalidArgument, "listen address " + address + ": " + ec.message());

  std::lock_guard lock(impl_->mu);
  auto existing = impl_->listeners.find(service);
  if (existing != impl_->listeners.end() && existing->second.address == address) {
    auto bound = existing->second.acceptors.front()->local_endpoint(ec);
    return bound.address().to_string() + ":" + std::to_string(bound.port());
  }

  tcp::endpoint endpoint(ip, port);
  if (port != 0) {
    // SO_REUSEPORT would let us join another process's listener (any of the same user) and silently split
    // its traffic: a plain bind first proves the address is free.
    tcp::acceptor probe(impl_->contexts.front()->ioc);
    probe.open(endpoint.protocol(), ec);
    if (!ec) probe.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) probe.bind(endpoint, ec);
    if (ec) return fail(ErrorCode::kIo, "cannot listen on " + address + " for " + service + ": " + ec.message());
  }
  // Bind one acceptor per thread on the same port (SO_REUSEPORT: the kernel spreads connections).
  std::vector<std::shared_ptr<detail::Acceptor>> acceptors;
  for (auto& ctx : impl_->contexts) {
    auto acceptor = std::make_shared<detail::Acceptor>(ctx->ioc);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) {
      int one = 1;
      if (::setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
        ec = boost::system::error_code(errno, boost::system::system_category());
      }
    }
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      for (auto& a : acceptors) a->close(ec);
      return fail(ErrorCode::kIo, "cannot listen on " + address + " for " + service + ": " + ec.message());
    }
    endpoint = acceptor->local_endpoint(ec);  // port 0 resolved by the first bind
    acceptors.push_back(std::move(acceptor));
  }

  std::shared_ptr<ServiceEntry> entry;
  if (existing != impl_->listeners.end()) {
    entry = existing->second.entry;
    for (auto& acceptor : existing->second.acceptors) {
      asio::post(acceptor->get_executor(), [acceptor] {
        boost::system::error_code ignored;
        acceptor->close(ignored);
      });
    }
  } else {
    entry = std::make_shared<ServiceEntry>(service);
  }
  for (std::size_t i = 0; i < acceptors.size(); ++i) {
    asio::co_spawn(impl_->contexts[i]->ioc, acceptLoop(acceptors[i], entry, *impl_->contexts[i]), asio::detached);
  }
  impl_->listeners[service] = Impl::Listener{entry, address, acceptors};
  SHIPSHAPE_LOG(proxy, info, "[svc={}] listening on {}", service, endpoint.address().to_string() + ":" +
                                                               std::to_string(endpoint.port()));
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

UpstreamPtr Proxy::switchTo(const std::string& service, UpstreamPtr next) {
  auto entry = impl_->entry(service);
  if (!entry) return nullptr;
  std::lock_guard lock(entry->mu);
  UpstreamPtr previous = entry->route.active;
  entry->route.standby = previous;
  entry->route.active = std::move(next);
  entry->changed();
  return previous;
}

bool Proxy::switchBack(const std::string& service) {
  auto entry = impl_->entry(service);
  if (!entry) return false;
  std::lock_guard lock(entry->mu);
  if (!entry->route.standby) return false;
  std::swap(entry->route.active, entry->route.standby);
  entry->changed();
  return true;
}

void Proxy::clearStandby(const std::string& service) {
  if (auto entry = impl_->entry(service)) {
    std::lock_guard lock(entry->mu);
    entry->route.standby.reset();
    entry->changed();
  }
}

ServiceRoute Proxy::route(const std::string& service) const {
  auto entry = impl_->entry(service);
  return entry ? entry->get() : ServiceRoute{};
}

std::vector<ServiceStatus> Proxy::services() const {
  std::vector<ServiceStatus> out;
  std::lock_guard lock(impl_->mu);
  for (const auto& [name, listener] : impl_->listeners) {
    boost::system::error_code ec;
    auto bound = listener.acceptors.front()->local_endpoint(ec);
    out.push_back({name, bound.address().to_string() + ":" + std::to_string(bound.port()), listener.entry->get()});
  }
  return out;
}

std::int64_t Proxy::drain(const Upstream& upstream, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (upstream.inFlight() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return upstream.inFlight();
}

}  // namespace shipshape::proxy
