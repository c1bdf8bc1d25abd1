// The request path: read a client's request header, pick the route's active upstream, stream the request
// there and the answer back. Written as Asio C++20 coroutines, one per client connection, so a request's life
// reads top to bottom. The relay loop follows Beast's buffer_body "relay" pattern: bodies of any size pass
// through a 16 KiB buffer, chunked or not. Timeouts are one deadline per session (see Session::arm), not a timer
// armed and cancelled around every read and write as Beast's basic_stream does.
#include "proxy/relay.h"
#include "proxy/request_rewrite.h"

#include <sys/socket.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <limits>
#include <optional>

#include "common/log.h"

namespace shipshape::proxy::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
template <class T>
using awaitable = asio::awaitable<T, Executor>;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kChunk = 16 * 1024;
// How long a pooled connection is reused without asking the kernel whether the upstream closed it (see take).
constexpr auto kTrustedIdle = std::chrono::milliseconds(250);

auto withError(beast::error_code& ec) { return asio::redirect_error(asio::use_awaitable_t<Executor>{}, ec); }

// Why the pooled connection is useless: the peer closed it (EOF pending) or it errored.
bool peerClosed(Socket& socket) {
  char byte;
  ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return true;
  if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
  return false;  // unexpected data: let the parser deal with it
}

// Writes all of `buffers`: first what the (non-blocking) socket takes at once, then the rest asynchronously. A
// small answer nearly always goes whole, and the coroutine then goes on directly: an asynchronous write that
// completes at once still resumes its coroutine from the back of the scheduler's queue, behind every other ready
// handler, which at moderate load was most of the proxy's p50 over nginx's.
template <class Buffers>
awaitable<void> writeAll(Socket& socket, const Buffers& buffers, beast::error_code& ec) {
  std::size_t n = socket.write_some(buffers, ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) ec = {};
  if (ec || n == asio::buffer_size(buffers)) co_return;
  beast::buffers_suffix<Buffers> rest(buffers);
  rest.consume(n);
  co_await asio::async_write(socket, rest, withError(ec));
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Socket socket, std::shared_ptr<ServiceEntry> service, ThreadContext& ctx)
      : client_(std::move(socket)), watchdog_(client_.get_executor()), service_(std::move(service)), ctx_(ctx) {
    beast::error_code ec;
    client_.set_option(tcp::no_delay(true), ec);
    client_.non_blocking(true, ec);  // writeAll: a write the socket cannot take at once says so
    auto peer = client_.remote_endpoint(ec);
    if (!ec) client_ip_ = peer.address().to_string();
  }

  // Serves the connection's requests, with the watchdog beside it; both end together.
  awaitable<void> serve() {
    auto self = shared_from_this();
    asio::co_spawn(
        client_.get_executor(), [self]() -> awaitable<void> { co_await self->watch(); }, asio::detached);
    co_await run();
    stopWatching();
  }

 private:
  // The session's one deadline. Every read, write and connect first sets how long it may take (arm: a clock
  // read and a store); the watchdog's timer is moved only when a deadline comes earlier than the one it waits
  // for (a connect after an idle wait), otherwise it wakes at the old deadline, sees the new one and sleeps
  // again. At the deadline it cancels the session's sockets: the pending operation ends with
  // operation_aborted, which timedOut() tells apart from a peer's doing.
  void arm(std::chrono::milliseconds limit) {
    deadline_ = Clock::now() + limit;
    timed_out_ = false;
    if (deadline_ < watching_until_) {
      watching_until_ = deadline_;
      watchdog_.expires_at(deadline_);  // cancels the current wait; watch() waits again
    }
  }
  bool timedOut(const beast::error_code& ec) const { return timed_out_ && ec == asio::error::operation_aborted; }

  awaitable<void> watch() {
    while (!stopped_) {
      watching_until_ = deadline_;
      watchdog_.expires_at(deadline_);
      beast::error_code ec;
      co_await watchdog_.async_wait(withError(ec));
      if (stopped_) break;
      if (ec || Clock::now() < deadline_) continue;  // moved earlier, or pushed later since: wait for it
      timed_out_ = true;
      deadline_ = Clock::time_point::max();  // until the next arm()
      client_.cancel(ec);
      if (upstream_io_ != nullptr) upstream_io_->cancel(ec);
    }
  }

  void stopWatching() {
    stopped_ = true;
    upstream_io_ = nullptr;
    watchdog_.cancel();
  }

  awaitable<void> run() {
    for (;;) {
      http::request_parser<http::buffer_body> parser;
      parser.header_limit(64 * 1024);
      parser.body_limit((std::numeric_limits<std::uint64_t>::max)());
      arm(ctx_.options.idle_timeout);
      beast::error_code ec;
      co_await http::async_read_header(client_, client_buffer_, parser, withError(ec));
      if (ec) {
        if (ec != http::error::end_of_stream && ec != asio::error::eof && ec != asio::error::connection_reset &&
            ec != asio::error::operation_aborted) {
          co_await answer(400, "bad request\n", false, 11);
        }
        co_return;
      }
      bool keep = co_await forward(parser);
      if (!keep) co_return;
    }
  }

  // A short answer of the proxy's own (no upstream, upstream failed). Returns whether it was written.
  awaitable<bool> answer(int status, std::string body, bool keep_alive, unsigned version) {
    http::response<http::string_body> res{static_cast<http::status>(status), version};
    res.set(http::field::server, "shipshape");
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.keep_alive(keep_alive);
    res.body() = std::move(body);
    res.prepare_payload();
    beast::error_code ec;
    arm(ctx_.options.idle_timeout);
    co_await http::async_write(client_, res, withError(ec));
    co_return !ec;
  }

  awaitable<std::unique_ptr<Socket>> connect(const UpstreamPtr& upstream, beast::error_code& ec) {
    auto conn = std::make_unique<Socket>(client_.get_executor());
    const auto& t = upstream->target();
    auto address = asio::ip::make_address(t.host, ec);
    if (ec) co_return nullptr;
    upstream_io_ = conn.get();
    arm(ctx_.options.connect_timeout);
    co_await conn->async_connect(tcp::endpoint(address, t.port), withError(ec));
    upstream_io_ = nullptr;
    if (ec) co_return nullptr;
    conn->set_option(tcp::no_delay(true), ec);
    conn->non_blocking(true, ec);
    ec = {};
    co_return conn;
  }

  // Relays one request and its answer. Returns whether the client connection stays open.
  awaitable<bool> forward(http::request_parser<http::buffer_body>& parser) {
    auto& req = parser.get();
    const unsigned version = req.version();
    bool client_keep = req.keep_alive();
    const bool upgrade = isUpgrade(req);
    const bool has_body = !parser.is_done();
    const bool retriable = isIdempotent(req.method()) && !has_body;
    const bool head = req.method() == http::verb::head;

    // The request counts as in flight on its upstream from the moment the route is read, before anything can
    // suspend (the 100-continue write below): a drain that sees zero may stop the container.
    ServiceRoute route = route_cache_.get(*service_);
    UpstreamPtr upstream = route.active;
    if (upstream) upstream->begin();
    if (upstream && upstream->retired()) {
      // Retired between the read and begin(): its drain may already have seen zero. Take the new route.
      upstream->abandon();
      route_cache_.invalidate();
      route = route_cache_.get(*service_);
      upstream = route.active;
      if (upstream) upstream->begin();
    }
    if (!upstream)
      co_return co_await answer(503, "no upstream for this service\n", client_keep, version) && client_keep &&
          !has_body;

    rewriteForUpstream(req, upgrade, client_ip_);
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      // Answer the client's expectation ourselves: the body then streams through like any other.
      req.erase(http::field::expect);
      beast::error_code ec;
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      arm(ctx_.options.idle_timeout);
      co_await asio::async_write(client_, asio::buffer(kContinue), withError(ec));
      if (ec) {
        upstream->abandon();
        co_return false;
      }
    }

    const auto started = Clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - started).count(); };

    // Choose a connection: a pooled one, else a new one; a connect failure moves an idempotent request to the
    // standby once (the other version is warm during a deploy's bake).
    std::unique_ptr<Socket> conn;
    // The watchdog cancels the upstream connection in use; it must never see one that is gone.
    struct InUse {
      Socket*& io;
      ~InUse() { io = nullptr; }
    } in_use{upstream_io_};
    bool pooled = false;
    bool fresh_only = false;  // a pooled connection failed this request: the next try connects anew
    bool tried_standby = false;
    // The connection's relay buffer: one allocation per connection, not a 16 KiB frame per request.
    char* const chunk = chunk_.get();
    beast::flat_buffer& upstream_buffer = upstream_buffer_;
    std::optional<http::response_parser<http::buffer_body>> answer_parser;  // one per try
    // A request without a body (the common case) goes out as one write of its header's bytes.
    if (!has_body) serializeHeader(req.base(), header_out_);
    for (int attempt = 0;; ++attempt) {
      beast::error_code ec;
      conn = upgrade || fresh_only ? nullptr : ctx_.pool.take(upstream, retriable);
      pooled = conn != nullptr;
      if (!conn) conn = co_await connect(upstream, ec);
      upstream_io_ = conn.get();
      if (!conn) {
        if (retriable && !tried_standby && route.standby && route.standby != upstream && !route.standby->retired()) {
          upstream->countRetry();
          upstream->finish(502, elapsed(), true);
          upstream = route.standby;
          upstream->begin();
          tried_standby = true;
          continue;
        }
        upstream->finish(502, elapsed(), true);
        SHIPSHAPE_LOG(proxy, debug, "[svc={}] connect to {} failed: {}", service_->name, upstream->target().address(),
                      ec.message());
        co_return co_await answer(502, "upstream unavailable\n", client_keep && !has_body, version) &&
                  client_keep && !has_body;
      }
      // Send the request, streaming its body from the client.
      bool sent = true;
      if (!has_body) {
        arm(ctx_.options.response_timeout);
        co_await writeAll(*conn, asio::buffer(header_out_), ec);
        sent = !ec;
      } else {
        http::serializer<true, http::buffer_body> request_writer{req};
        do {
          if (!parser.is_done()) {
            req.body().data = chunk;
            req.body().size = kChunk;
            arm(ctx_.options.idle_timeout);
            co_await http::async_read(client_, client_buffer_, parser, withError(ec));
            if (ec == http::error::need_buffer) ec = {};
            if (ec) {  // the client went away mid-body
              upstream->finish(499, elapsed(), false);
              co_return false;
            }
            req.body().size = kChunk - req.body().size;
            req.body().data = chunk;
            req.body().more = !parser.is_done();
          } else {
            req.body().data = nullptr;
            req.body().size = 0;
            req.body().more = false;
          }
          arm(ctx_.options.response_timeout);
          co_await http::async_write(*conn, request_writer, withError(ec));
          if (ec == http::error::need_buffer) ec = {};
          if (ec) {
            sent = false;
            break;
          }
        } while (!parser.is_done() && !request_writer.is_done());
      }
      if (!sent) {
        // A pooled connection the upstream had just closed: a fresh one is safe for a retriable request.
        if (pooled && retriable && attempt < 2) continue;
        upstream->finish(502, elapsed(), true);
        co_return co_await answer(502, "upstream failed\n", false, version) && false;
      }

      // Read the answer's header. The connection's buffer keeps its capacity from one answer to the next (no
      // allocation per request); what an answer left in it belongs to a connection that is not reused.
      upstream_buffer.clear();
      answer_parser.emplace();
      answer_parser->body_limit((std::numeric_limits<std::uint64_t>::max)());
      answer_parser->skip(head);
      arm(ctx_.options.response_timeout);
      co_await http::async_read_header(*conn, upstream_buffer, *answer_parser, withError(ec));
      if (ec) {
        const bool timeout = timedOut(ec);
        // A pooled connection the upstream closed as the request went out (such a write still succeeds) and
        // not a byte of an answer: a retriable request goes again, on a new connection.
        if (pooled && retriable && !timeout && upstream_buffer.size() == 0 && attempt < 2 &&
            (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset)) {
          upstream->countRetry();
          fresh_only = true;
          continue;
        }
        upstream->finish(timeout ? 504 : 502, elapsed(), true);
        co_return co_await answer(timeout ? 504 : 502, timeout ? "upstream timed out\n" : "upstream failed\n", false,
                                  version) &&
            false;
      }
      break;
    }
    auto& response_parser = *answer_parser;

    beast::error_code ec;
    auto& res = response_parser.get();
    const int status = static_cast<int>(res.result_int());
    bool upstream_reusable = res.keep_alive() && !response_parser.need_eof();

    if (upgrade && status == 101) {
      upstream->finish(status, elapsed(), false);
      co_await tunnel(std::move(conn), std::move(upstream_buffer), res, upstream);
      co_return false;
    }

    stripHopByHop(res, false);
    if (response_parser.need_eof() && !head) {
      // A close-delimited body: re-chunk it for an HTTP/1.1 client so its connection can stay open.
      if (version == 11) {
        res.chunked(true);
      } else {
        client_keep = false;
      }
    }
    res.keep_alive(client_keep);
    res.version(version);

    if (!response_parser.chunked() && !response_parser.need_eof()) {
      // No body or a Content-Length one: the header's bytes and what the header read already buffered of the
      // body go out in one write, the rest is copied as it arrives.
      std::uint64_t remaining = response_parser.is_done() ? 0 : response_parser.content_length_remaining().value_or(0);
      serializeHeader(res.base(), header_out_);
      const auto buffered = upstream_buffer.data();
      const std::size_t first = static_cast<std::size_t>(std::min<std::uint64_t>(remaining, buffered.size()));
      const std::array<asio::const_buffer, 2> out{asio::buffer(header_out_), asio::buffer(buffered.data(), first)};
      arm(ctx_.options.idle_timeout);
      co_await writeAll(client_, out, ec);
      if (ec) {
        upstream->finish(status, elapsed(), false);
        co_return false;
      }
      upstream_buffer.consume(first);
      remaining -= first;
      while (remaining > 0) {
        arm(ctx_.options.response_timeout);
        std::size_t n = co_await conn->async_read_some(
            asio::buffer(chunk, static_cast<std::size_t>(std::min<std::uint64_t>(remaining, kChunk))), withError(ec));
        if (ec) {  // the upstream died mid-answer: the client cannot be told otherwise than by closing
          upstream->finish(502, elapsed(), true);
          co_return false;
        }
        remaining -= n;
        arm(ctx_.options.idle_timeout);
        co_await writeAll(client_, asio::buffer(chunk, n), ec);
        if (ec) {
          upstream->finish(status, elapsed(), false);
          co_return false;
        }
      }
      upstream->finish(status, elapsed(), false);
      // Bytes beyond the answer would be the start of nothing we asked for: such a connection is not reused.
      if (upstream_reusable && upstream_buffer.size() == 0 && !upstream->retired())
        ctx_.pool.put(upstream, std::move(conn));
      co_return client_keep;
    }

    http::serializer<false, http::buffer_body> response_writer{res};
    do {
      if (!response_parser.is_done()) {
        res.body().data = chunk;
        res.body().size = kChunk;
        arm(ctx_.options.response_timeout);
        co_await http::async_read(*conn, upstream_buffer, response_parser, withError(ec));
        if (ec == http::error::need_buffer) ec = {};
        if (ec == http::error::end_of_stream && response_parser.need_eof()) ec = {};
        if (ec) {  // the upstream died mid-answer: the client cannot be told otherwise than by closing
          upstream->finish(502, elapsed(), true);
          co_return false;
        }
        res.body().size = kChunk - res.body().size;
        res.body().data = chunk;
        res.body().more = !response_parser.is_done();
      } else {
        res.body().data = nullptr;
        res.body().size = 0;
        res.body().more = false;
      }
      arm(ctx_.options.idle_timeout);
      co_await http::async_write(client_, response_writer, withError(ec));
      if (ec == http::error::need_buffer) ec = {};
      if (ec) {
        upstream->finish(status, elapsed(), false);
        co_return false;
      }
    } while (!response_parser.is_done() && !response_writer.is_done());

    upstream->finish(status, elapsed(), false);
    if (upstream_reusable && !upstream->retired()) ctx_.pool.put(upstream, std::move(conn));
    co_return client_keep;
  }

  // After a 101: bytes flow both ways untouched until either side closes, or the upstream's drain ends.
  struct Tunnel {
    Socket client;
    std::unique_ptr<Socket> upstream;
    void close() {
      beast::error_code ec;
      client.shutdown(tcp::socket::shutdown_both, ec);
      client.close(ec);
      upstream->shutdown(tcp::socket::shutdown_both, ec);
      upstream->close(ec);
    }
  };

  static awaitable<void> pump(Socket& from, Socket& to, beast::flat_buffer leftover) {
    beast::error_code ec;
    if (leftover.size() > 0) {
      co_await asio::async_write(to, leftover.data(), withError(ec));
      if (ec) co_return;
    }
    char chunk[kChunk];
    for (;;) {
      std::size_t n = co_await from.async_read_some(asio::buffer(chunk), withError(ec));
      if (ec) break;
      co_await asio::async_write(to, asio::buffer(chunk, n), withError(ec));
      if (ec) break;
    }
    // Pass the half-close on: the other direction may still have bytes to deliver.
    to.shutdown(tcp::socket::shutdown_send, ec);
  }

  awaitable<void> tunnel(std::unique_ptr<Socket> conn, beast::flat_buffer upstream_buffer,
                         http::response<http::buffer_body>& res, const UpstreamPtr& upstream) {
    beast::error_code ec;
    res.body().data = nullptr;
    res.body().size = 0;
    res.body().more = false;
    http::serializer<false, http::buffer_body> writer{res};
    arm(ctx_.options.idle_timeout);
    co_await http::async_write_header(client_, writer, withError(ec));
    if (ec) co_return;
    stopWatching();  // a tunnel has no deadline: it lasts until a side closes or the drain ends it
    auto tunnel = std::make_shared<Tunnel>(Tunnel{std::move(client_), std::move(conn)});
    auto executor = tunnel->client.get_executor();
    std::weak_ptr<Tunnel> weak = tunnel;
    std::uint64_t id = upstream->addTunnel([executor, weak] {
      asio::post(executor, [weak] {
        if (auto t = weak.lock()) t->close();
      });
    });
    // Upstream -> client runs beside; this coroutine carries client -> upstream.
    asio::co_spawn(
        executor,
        [tunnel, buffer = std::move(upstream_buffer)]() mutable -> awaitable<void> {
          co_await pump(*tunnel->upstream, tunnel->client, std::move(buffer));
        },
        asio::detached);
    co_await pump(tunnel->client, *tunnel->upstream, std::move(client_buffer_));
    upstream->removeTunnel(id);
  }

  Socket client_;
  asio::basic_waitable_timer<Clock, asio::wait_traits<Clock>, Executor> watchdog_;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point watching_until_ = Clock::time_point::max();
  bool timed_out_ = false;
  bool stopped_ = false;
  Socket* upstream_io_ = nullptr;  // the upstream connection an operation is pending on, if any
  beast::flat_buffer client_buffer_;
  std::shared_ptr<ServiceEntry> service_;
  RouteCache route_cache_;
  std::unique_ptr<char[]> chunk_ = std::make_unique<char[]>(kChunk);
  beast::flat_buffer upstream_buffer_;  // see forward()
  std::string header_out_;              // a header's bytes (serializeHeader); keeps its capacity
  ThreadContext& ctx_;
  std::string client_ip_;
};

}  // namespace

std::unique_ptr<Socket> ConnectionPool::take(const UpstreamPtr& upstream, bool can_resend) {
  auto it = idle_.find(upstream.get());
  if (it == idle_.end()) return nullptr;
  auto& list = it->second.connections;
  const auto now = Clock::now();
  while (!list.empty()) {
    Idle idle = std::move(list.back());
    list.pop_back();
    // For a request that can be sent again, a connection back from an answer moments ago is taken as it is: the
    // check is a system call per request (a fifth of them), and the rare connection the upstream closed
    // meanwhile fails before any byte of an answer, which forward() then sends again on a new connection.
    if ((can_resend && now - idle.since < kTrustedIdle) || !peerClosed(*idle.connection))
      return std::move(idle.connection);
  }
  return nullptr;
}

void ConnectionPool::put(const UpstreamPtr& upstream, std::unique_ptr<Socket> connection) {
  auto& entry = idle_[upstream.get()];
  if (entry.upstream.expired() || entry.upstream.lock() != upstream) entry = Entry{upstream, {}};
  if (entry.connections.size() < 256) entry.connections.push_back({std::move(connection), Clock::now()});
}

void ConnectionPool::sweep(Clock::duration max_idle) {
  auto now = Clock::now();
  for (auto it = idle_.begin(); it != idle_.end();) {
    auto upstream = it->second.upstream.lock();
    if (!upstream || upstream->retired()) {
      it = idle_.erase(it);
      continue;
    }
    std::erase_if(it->second.connections, [&](const Idle& idle) { return now - idle.since > max_idle; });
    ++it;
  }
}

void spawnSession(Socket socket, std::shared_ptr<ServiceEntry> service, ThreadContext& ctx) {
  auto session = std::make_shared<Session>(std::move(socket), std::move(service), ctx);
  asio::co_spawn(
      ctx.ioc, [session]() -> awaitable<void> { co_await session->serve(); }, asio::detached);
}

}  // namespace shipshape::proxy::detail
