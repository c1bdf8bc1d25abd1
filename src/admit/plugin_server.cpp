#include "admit/plugin_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "common/log.h"

namespace shipshape::admit {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using local = asio::local::stream_protocol;

constexpr std::size_t kMaxBody = 4 << 20;  // the engine forwards at most 1 MiB of request body, base64'd

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(local::socket socket, const PluginServerOptions& options, asio::thread_pool& pool)
      : socket_(std::move(socket)), options_(options), pool_(pool) {}
  void start() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(kMaxBody);
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onRead(ec); });
  }

  void onRead(beast::error_code ec) {
    if (ec) {
      socket_.close(ec);
      return;
    }
    auto request = std::make_shared<http::request<http::string_body>>(parser_->release());
    std::string path(request->target());
    if (options_.at_once) {
      if (auto answer = options_.at_once(path, request->body())) {
        write(*request, std::move(answer));
        return;
      }
    }
    // Answer on a worker; write the answer back on the I/O thread that owns the socket.
    asio::post(pool_, [self = shared_from_this(), request, path] {
      auto answer = self->options_.handle(path, request->body());
      asio::post(self->socket_.get_executor(),
                 [self, request, answer = std::move(answer)]() mutable { self->write(*request, std::move(answer)); });
    });
  }

  void write(const http::request<http::string_body>& request, std::optional<std::string> answer) {
    auto response = std::make_shared<http::response<http::string_body>>(
        answer ? http::status::ok : http::status::not_found, request.version());
    response->set(http::field::content_type, "application/vnd.docker.plugins.v1+json");
    response->body() = answer ? std::move(*answer) : R"({"Err":"not found"})";
    response->keep_alive(request.keep_alive());
    response->prepare_payload();
    http::async_write(socket_, *response, [self = shared_from_this(), response](beast::error_code ec, std::size_t) {
      if (ec || !response->keep_alive()) {
        self->socket_.close(ec);
        return;
      }
      self->read();
    });
  }

  local::socket socket_;
  const PluginServerOptions& options_;
  asio::thread_pool& pool_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

// A socket file nobody answers on is left from a crash: remove it. One that answers belongs to a running
// plugin: refuse, rather than steal its name.
Result<void> clearStaleSocket(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return {};
  if (!S_ISSOCK(st.st_mode)) {
    return fail(ErrorCode::kInvalidArgument, path + " exists and is not a socket");
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(ErrorCode::kIo, std::string("socket(AF_UNIX): ") + std::strerror(errno));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  bool live = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  if (live) return fail(ErrorCode::kInvalidArgument, "another process is serving " + path);
  if (::unlink(path.c_str()) != 0) {
    return fail(ErrorCode::kIo, "removing stale socket " + path + ": " + std::strerror(errno));
  }
  return {};
}

}  // namespace

struct PluginServer::Impl {
  explicit Impl(PluginServerOptions o)
      : options(std::move(o)), pool(static_cast<std::size_t>(std::max(1, options.workers))), acceptor(io) {}

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, local::socket socket) {
      if (ec) {
        if (ec != asio::error::operation_aborted) SHIPSHAPE_LOG(admit, warn, "accept: {}", ec.message());
        if (!acceptor.is_open()) return;
      } else {
        std::make_shared<Session>(std::move(socket), options, pool)->start();
      }
      accept();
    });
  }

  PluginServerOptions options;
  asio::io_context io;     // sessions live on it; destroyed last
  asio::thread_pool pool;  // joined before io is destroyed: its tasks post back to io
  local::acceptor acceptor;
  std::thread thread;
};

Result<std::unique_ptr<PluginServer>> PluginServer::start(PluginServerOptions options) {
  if (options.socket_path.size() >= sizeof(sockaddr_un::sun_path)) {
    return fail(ErrorCode::kInvalidArgument, "socket path too long: " + options.socket_path);
  }
  std::error_code fs_ec;
  auto dir = std::filesystem::path(options.socket_path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, fs_ec);
  if (fs_ec) return fail(ErrorCode::kIo, "creating " + dir.string() + ": " + fs_ec.message());
  if (auto cleared = clearStaleSocket(options.socket_path); !cleared) return fail(cleared.error());

  auto impl = std::make_unique<Impl>(std::move(options));
  const std::string& path = impl->options.socket_path;
  beast::error_code ec;
  impl->acceptor.open(local(), ec);
  // Created 0600: only root (dockerd) may ask the plugin anything.
  const mode_t old_mask = ::umask(0177);
  if (!ec) impl->acceptor.bind(local::endpoint(path), ec);
  ::umask(old_mask);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail(ErrorCode::kIo, "listening on unix socket " + path + ": " + ec.message());
  impl->accept();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<PluginServer>(new PluginServer(std::move(impl)));
}

PluginServer::PluginServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PluginServer::~PluginServer() {
  asio::post(impl_->io, [raw = impl_.get()] {
    beast::error_code ec;
    raw->acceptor.close(ec);
  });
  impl_->io.stop();
  impl_->thread.join();
  impl_->pool.join();
  ::unlink(impl_->options.socket_path.c_str());
}

const std::string& PluginServer::socketPath() const { return impl_->options.socket_path; }

}  // namespace shipshape::admit
