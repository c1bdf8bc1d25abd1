#include "serve/http_server.h"

#include <openssl/crypto.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

#include "common/log.h"

namespace shipshape::serve {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

bool tokenMatches(const std::string& expected, std::string_view header) {
  constexpr std::string_view kBearer = "Bearer ";
  if (!header.starts_with(kBearer)) return false;
  std::string_view given = header.substr(kBearer.size());
  if (given.size() != expected.size()) return false;
  return CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

struct Shared {
  ServerOptions options;
  bool require_token = false;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<const Shared> shared)
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
    auto response = std::make_shared<http::response<http::string_body>>(answer());
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

  http::response<http::string_body> answer() {
    http::response<http::string_body> r;
    auto reply = [&](int status, std::string body, const char* type = "text/plain; charset=utf-8") {
      r.result(static_cast<http::status>(status));
      r.set(http::field::content_type, type);
      r.body() = std::move(body);
      return r;
    };
    auto authorization = request_[http::field::authorization];
    if (shared_->require_token &&
        !tokenMatches(shared_->options.token, std::string_view(authorization.data(), authorization.size()))) {
      r.set(http::field::www_authenticate, "Bearer");
      return reply(401, "a bearer token is required\n");
    }
    if (request_.method() != http::verb::get && request_.method() != http::verb::head) {
      r.set(http::field::allow, "GET, HEAD");
      return reply(405, "only GET and HEAD\n");
    }
    std::string target(request_.target());
    std::string path = target.substr(0, target.find('?'));
    auto route = shared_->options.routes.find(path);
    if (route == shared_->options.routes.end()) return reply(404, "not found\n");
    HttpReply h = route->second();
    r.set(http::field::cache_control, "no-store");
    return reply(h.status, std::move(h.body), h.content_type.c_str());
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  std::shared_ptr<const Shared> shared_;
};

}  // namespace

struct HttpServer::Impl {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::shared_ptr<const Shared> shared;
  std::thread thread;

  void accept() {
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) std::make_shared<Session>(std::move(socket), shared)->start();
      accept();
    });
  }
};

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
