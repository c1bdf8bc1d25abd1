#include "proxy/admin_server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <thread>
#include <vector>

#include "common/log.h"

namespace shipshape::proxy {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using local = asio::local::stream_protocol;

struct AdminServer::Impl {
  std::string path;
  AdminHandler handler;
  asio::io_context ioc;
  local::acceptor acceptor{ioc};
  std::thread accept_thread;
  std::mutex mu;
  std::condition_variable idle;
  int active_calls = 0;  // guarded by mu
  std::atomic<bool> stopping{false};

  // One request per connection (Connection: close): admin calls are rare and this keeps shutdown simple.
  void serve(local::socket socket) {
    boost::beast::flat_buffer buffer;
    {
      http::request<http::string_body> req;
      boost::system::error_code ec;
      http::read(socket, buffer, req, ec);
      if (ec) return;
      AdminReply reply;
      try {
        reply = handler(std::string(req.method_string()), std::string(req.target()), req.body());
      } catch (const std::exception& e) {
        reply = {500, std::string(R"({"error":"internal: )") + e.what() + "\"}"};
      }
      http::response<http::string_body> res{static_cast<http::status>(reply.status), req.version()};
      res.set(http::field::content_type, "application/json");
      res.keep_alive(false);
      res.body() = std::move(reply.body);
      res.prepare_payload();
      http::write(socket, res, ec);
      socket.shutdown(local::socket::shutdown_both, ec);
    }
  }
};

AdminServer::AdminServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AdminServer::~AdminServer() {
  impl_->stopping = true;
  // shutdown() wakes the blocking accept(); close() alone would not.
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
  if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
  std::unique_lock lock(impl_->mu);
  impl_->idle.wait_for(lock, std::chrono::seconds(30), [&] { return impl_->active_calls == 0; });
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
  impl->accept_thread = std::thread([raw] {
    for (;;) {
      boost::system::error_code aec;
      local::socket socket(raw->ioc);
      raw->acceptor.accept(socket, aec);
      if (aec || raw->stopping) return;
      {
        std::lock_guard lock(raw->mu);
        ++raw->active_calls;
      }
      std::thread([raw, s = std::move(socket)]() mutable {
        raw->serve(std::move(s));
        std::lock_guard lock(raw->mu);
        if (--raw->active_calls == 0) raw->idle.notify_all();
      }).detach();
    }
  });
  return std::unique_ptr<AdminServer>(new AdminServer(std::move(impl)));
}

}  // namespace shipshape::proxy
