#include "proxy/admin_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <list>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/log.h"

namespace shipshape::proxy {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using local = asio::local::stream_protocol;

struct AdminServer::Impl {
  struct Connection {
    std::thread thread;
    bool done = false;  // guarded by mu
  };

  std::string path;
  AdminHandler handler;
  asio::io_context ioc;
  local::acceptor acceptor{ioc};
  std::thread accept_thread;
  std::mutex mu;
  bool stopping = false;              // guarded by mu
  std::list<Connection> connections;  // guarded by mu; joined when done (next accept) or in the destructor
  std::set<int> open_fds;             // guarded by mu: sockets to wake at shutdown

  // One request per connection (Connection: close): admin calls are rare and this keeps shutdown simple.
  void serve(local::socket& socket) {
    // Blocking reads and writes end after kAdminIoTimeout: a client that connects and says nothing cannot hold
    // a thread (and the destructor) forever.
    timeval tv{static_cast<time_t>(kAdminIoTimeout.count()), 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> req;
    boost::system::error_code ec;
    http::read(socket, buffer, req, ec);
    if (ec) return;
    AdminReply reply;
    try {
      reply = handler(std::string(req.method_string()), std::string(req.target()), req.body());
    } catch (const std::exception& e) {
      reply = {500, nlohmann::json{{"error", std::string("internal: ") + e.what()}}.dump(
                        -1, ' ', false, nlohmann::json::error_handler_t::replace)};
    }
    http::response<http::string_body> res{static_cast<http::status>(reply.status), req.version()};
    res.set(http::field::content_type, "application/json");
    res.keep_alive(false);
    res.body() = std::move(reply.body);
    res.prepare_payload();
    http::write(socket, res, ec);
    socket.shutdown(local::socket::shutdown_both, ec);
  }

  void acceptLoop() {
    for (;;) {
      boost::system::error_code aec;
      auto socket = std::make_unique<local::socket>(ioc);
      acceptor.accept(*socket, aec);
      std::lock_guard lock(mu);
      if (aec || stopping) return;
      // Ended connections are joined here, so a long-lived proxy does not pile up finished threads.
      for (auto it = connections.begin(); it != connections.end();) {
        if (!it->done) {
          ++it;
          continue;
        }
        it->thread.join();
        it = connections.erase(it);
      }
      int fd = socket->native_handle();
      open_fds.insert(fd);
      Connection& c = connections.emplace_back();
      c.thread = std::thread([this, &c, fd, s = std::move(socket)] {
        serve(*s);
        std::lock_guard done_lock(mu);
        open_fds.erase(fd);  // before the socket closes: the fd number may be reused at once
        s->close();
        c.done = true;
      });
    }
  }
};

AdminServer::AdminServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AdminServer::~AdminServer() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
    // Connections still reading a request are woken; calls already in their handler finish and answer.
    for (int fd : impl_->open_fds) ::shutdown(fd, SHUT_RD);
  }
  // shutdown() wakes the blocking accept(); close() alone would not.
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
  impl_->accept_thread.join();
  for (auto& c : impl_->connections) c.thread.join();  // no new ones: the accept thread is gone
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
  ::unlink(impl_->path.c_str());
}

Result<std::unique_ptr<AdminServer>> AdminServer::start(const std::string& socket_path, AdminHandler handler) {
  auto impl = std::make_unique<Impl>();
  impl->path = socket_path;
  impl->handler = std::move(handler);
  boost::system::error_code ec;
  {
    // Another proxy answering here owns the services: two would fight over the listeners.
    local::socket probe(impl->ioc);
    probe.connect(local::endpoint(socket_path), ec);
    if (!ec) {
      return fail(ErrorCode::kConflict, "another shipshape proxy already answers on " + socket_path);
    }
  }
  ::unlink(socket_path.c_str());
  // Created 0600 from the start: no window in which another user could connect.
  mode_t old_mask = ::umask(0177);
  impl->acceptor.open(local(), ec);
  if (!ec) impl->acceptor.bind(local::endpoint(socket_path), ec);
  ::umask(old_mask);
  if (!ec) impl->acceptor.listen(16, ec);
  if (ec) return fail(ErrorCode::kIo, "cannot listen on " + socket_path + ": " + ec.message());
  Impl* raw = impl.get();
  impl->accept_thread = std::thread([raw] { raw->acceptLoop(); });
  return std::unique_ptr<AdminServer>(new AdminServer(std::move(impl)));
}

}  // namespace shipshape::proxy
