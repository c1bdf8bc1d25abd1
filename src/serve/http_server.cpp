#include "serve/http_server.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

#include "common/log.h"
#include "common/percent_encoding.h"

namespace shipshape::serve {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::string_view kCookieName = "shipshape_token";

bool sameSecret(const std::string& expected, std::string_view given) {
  if (given.size() != expected.size()) return false;
  return CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

bool bearerMatches(const std::string& expected, std::string_view header) {
  constexpr std::string_view kBearer = "Bearer ";
  if (!header.starts_with(kBearer)) return false;
  return sameSecret(expected, header.substr(kBearer.size()));
}

// The value of cookie `name` in a Cookie header ("a=1; shipshape_token=x"), percent-decoded.
std::string cookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.starts_with(name) && pair.size() > name.size() && pair[name.size()] == '=') {
      return percentDecode(pair.substr(name.size() + 1));
    }
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return {};
}

std::string htmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

HttpReply loginForm(int status, std::string_view problem) {
  std::string body =
      "<!doctype html><html lang=en><head><meta charset=utf-8><title>shipshape: sign in</title>"
      "<meta name=viewport content='width=device-width'>"
      "<style>body{font:15px system-ui,sans-serif;margin:4rem auto;max-width:28rem}input{font:inherit;padding:.3rem;"
      "width:100%;box-sizing:border-box;margin:.5rem 0}p.problem{color:#b00020}</style></head><body>"
      "<h1>shipshape</h1><p>This guardian needs its listen token (the contents of <code>--listen-token-file</code> "
      "or <code>SHIPSHAPE_LISTEN_TOKEN</code>).</p>";
  if (!problem.empty()) body += "<p class=problem>" + htmlEscape(problem) + "</p>";
  body +=
      "<form method=get action=/login><input type=password name=token autocomplete=current-password autofocus "
      "aria-label=token><input type=submit value='Sign in'></form></body></html>";
  return HttpReply{.status = status, .content_type = "text/html; charset=utf-8", .body = std::move(body)};
}

struct Shared {
  ServerOptions options;
  bool require_token = false;
  std::atomic<int> streams{0};  // open event streams (touched on the I/O thread only, atomic for clarity)
};

// One open text/event-stream: headers, then what `poll` returns once a second, until the client goes or the
// server stops. The body is delimited by the connection's close (HTTP/1.1 without a length).
class EventStream : public std::enable_shared_from_this<EventStream> {
 public:
  EventStream(beast::tcp_stream stream, std::shared_ptr<Shared> shared, StreamPoll poll)
      : stream_(std::move(stream)), timer_(stream_.get_executor()), shared_(std::move(shared)), poll_(std::move(poll)) {
    ++shared_->streams;
  }
  ~EventStream() { --shared_->streams; }
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  void start() {
    pending_ =
        "HTTP/1.1 200 OK\r\nServer: shipshape\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
        "Connection: close\r\nX-Accel-Buffering: no\r\n\r\nretry: 3000\n\n";
    pending_ += poll_(cursor_);
    write();
  }

 private:
  void write() {
    stream_.expires_after(std::chrono::seconds(10));  // a client that stops reading is dropped
    asio::async_write(stream_, asio::buffer(pending_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;  // the client went; the last reference goes with this handler
      self->pending_.clear();
      self->wait();
    });
  }

  void wait() {
    timer_.expires_after(std::chrono::seconds(1));
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->pending_ = self->poll_(self->cursor_);
      // A comment every 15 s finds a client that went away without a FIN.
      if (self->pending_.empty() && ++self->idle_ticks_ >= 15) self->pending_ = ": keep-alive\n\n";
      if (self->pending_.empty()) return self->wait();
      self->idle_ticks_ = 0;
      self->write();
    });
  }

  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  std::shared_ptr<Shared> shared_;
  StreamPoll poll_;
  std::uint64_t cursor_ = 0;
  std::string pending_;
  int idle_ticks_ = 0;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Shared> shared)
      : stream_(std::move(socket)), shared_(std::move(shared)) {}
  void start() { read(); }

 private:
  void read() {
    request_ = {};
    stream_.expires_after(std::chrono::seconds(10));
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onRead(ec); });
  }

  void onRead(beast::error_code ec) {
    if (ec) {
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      return;
    }
    HttpRequest request = parsed();
    auto stream = shared_->options.streams.find(request.path);
    if (stream != shared_->options.streams.end() && request_.method() == http::verb::get && authorized() &&
        shared_->streams.load() < shared_->options.max_streams) {
      stream_.expires_never();
      std::make_shared<EventStream>(std::move(stream_), shared_, stream->second)->start();
      return;
    }
    auto response = std::make_shared<http::response<http::string_body>>(answer(request));
    response->version(request_.version());
    response->keep_alive(request_.keep_alive());
    response->set(http::field::server, "shipshape");
    response->prepare_payload();
    if (request_.method() == http::verb::head) response->body().clear();
    http::async_write(stream_, *response, [self = shared_from_this(), response](beast::error_code wec, std::size_t) {
      if (wec || !response->keep_alive()) {
        self->stream_.socket().shutdown(tcp::socket::shutdown_send, wec);
        return;
      }
      self->read();
    });
  }

  HttpRequest parsed() const {
    std::string_view target(request_.target().data(), request_.target().size());
    auto question = target.find('?');
    HttpRequest r;
    r.path = std::string(target.substr(0, question));
    if (question != std::string_view::npos) r.query = parseQuery(target.substr(question + 1));
    auto authorization = request_[http::field::authorization];
    r.authorization = std::string(authorization.data(), authorization.size());
    return r;
  }

  bool authorized() const {
    if (!shared_->require_token) return true;
    auto authorization = request_[http::field::authorization];
    if (bearerMatches(shared_->options.token, std::string_view(authorization.data(), authorization.size())))
      return true;
    auto cookie = request_[http::field::cookie];
    if (cookie.empty()) return false;
    return sameSecret(shared_->options.token, cookieValue(std::string_view(cookie.data(), cookie.size()), kCookieName));
  }

  // GET /login: the form; ?token= that matches sets the cookie and goes to /.
  HttpReply login(const HttpRequest& request) const {
    auto given = request.query.find("token");
    if (!shared_->require_token) return HttpReply{.status = 303, .headers = {{"Location", "/"}}};
    if (given == request.query.end()) return loginForm(200, "");
    if (!sameSecret(shared_->options.token, given->second)) return loginForm(401, "That is not the token.");
    return HttpReply{.status = 303,
                     .headers = {{"Location", "/"},
                                 {"Set-Cookie", std::string(kCookieName) + "=" + percentEncode(shared_->options.token) +
                                                    "; Path=/; HttpOnly; SameSite=Strict"}}};
  }

  HttpReply route(const HttpRequest& request) const {
    if (request_.method() != http::verb::get && request_.method() != http::verb::head) {
      return HttpReply{.status = 405, .body = "only GET and HEAD\n", .headers = {{"Allow", "GET, HEAD"}}};
    }
    const auto& options = shared_->options;
    if (options.login && request.path == "/login") return login(request);
    if (!authorized()) {
      bool page = std::find(options.pages.begin(), options.pages.end(), request.path) != options.pages.end();
      if (options.login && page) return HttpReply{.status = 303, .headers = {{"Location", "/login"}}};
      return HttpReply{
          .status = 401, .body = "a bearer token is required\n", .headers = {{"WWW-Authenticate", "Bearer"}}};
    }
    if (options.streams.count(request.path)) {
      return HttpReply{.status = 503, .body = "too many open event streams\n", .headers = {{"Retry-After", "5"}}};
    }
    auto found = options.routes.find(request.path);
    if (found == options.routes.end()) return HttpReply{.status = 404, .body = "not found\n"};
    return found->second(request);
  }

  http::response<http::string_body> answer(const HttpRequest& request) const {
    HttpReply reply = route(request);
    http::response<http::string_body> r;
    r.result(static_cast<http::status>(reply.status));
    r.set(http::field::content_type, reply.content_type);
    if (!reply.cache_control.empty()) r.set(http::field::cache_control, reply.cache_control);
    for (const auto& [name, value] : reply.headers) r.set(name, value);
    r.body() = std::move(reply.body);
    return r;
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace

struct HttpServer::Impl {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::shared_ptr<Shared> shared;
  std::thread thread;

  void accept() {
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) std::make_shared<Session>(std::move(socket), shared)->start();
      accept();
    });
  }
};

std::map<std::string, std::string> parseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      std::string key = percentDecode(pair.substr(0, eq));
      out[key] = eq == std::string_view::npos ? "" : percentDecode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

bool isLoopback(const std::string& host) {
  beast::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return host == "localhost";
  return address.is_loopback();
}

Result<std::pair<std::string, unsigned short>> parseListenAddress(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    return fail(ErrorCode::kInvalidArgument, "listen address '" + text + "' is not HOST:PORT (like 127.0.0.1:9323)");
  }
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "127.0.0.1";
  char* end = nullptr;
  long port = std::strtol(text.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || colon + 1 == text.size() || port < 0 || port > 65535) {
    return fail(ErrorCode::kInvalidArgument, "listen address '" + text + "': the port must be 0..65535");
  }
  return std::make_pair(host, static_cast<unsigned short>(port));
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(ServerOptions options) {
  auto hp = parseListenAddress(options.listen);
  if (!hp) return fail(hp.error());
  auto [host, port] = *hp;
  bool loopback = isLoopback(host);
  if (!loopback && options.token.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "refusing to serve on " + options.listen +
                    " without a token: it is not a loopback address (set SHIPSHAPE_LISTEN_TOKEN or --listen-token-file)");
  }
  auto impl = std::make_unique<Impl>();
  beast::error_code ec;
  auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) return fail(ErrorCode::kInvalidArgument, "listen address '" + host + "': " + ec.message());
  tcp::endpoint endpoint(address, port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail(ErrorCode::kIo, "cannot listen on " + options.listen + ": " + ec.message());
  auto shared = std::make_shared<Shared>();
  shared->require_token = !options.token.empty();
  shared->options = std::move(options);
  impl->shared = shared;
  impl->accept();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  impl_->io.stop();
  impl_->thread.join();
}

std::string HttpServer::address() const {
  auto ep = impl_->acceptor.local_endpoint();
  std::string host = ep.address().to_string();
  if (ep.address().is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

}  // namespace shipshape::serve
