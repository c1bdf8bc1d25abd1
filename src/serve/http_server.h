// A small HTTP/1.1 server for the guardian's own endpoints (/metrics, /healthz), on Boost.Beast, one I/O
// thread. GET and HEAD only; keep-alive; a 10 s read deadline per request so an idle client cannot hold it.
//
// Security: it listens on loopback unless told otherwise, and a non-loopback address is refused without a
// bearer token (compared in constant time). The token itself is never logged.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/result.h"

namespace shipshape::serve {

struct HttpReply {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using Handler = std::function<HttpReply()>;

struct ServerOptions {
  std::string listen = "127.0.0.1:9323";  // HOST:PORT; port 0 picks a free one
  std::string token;                      // required (Authorization: Bearer ...) when not loopback
  std::map<std::string, Handler> routes;  // path -> handler
};

class HttpServer {
 public:
  // Binds and starts serving on a thread of its own. Errors name the address and the reason.
  static Result<std::unique_ptr<HttpServer>> start(ServerOptions options);
  ~HttpServer();  // stops within a few milliseconds
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound address, "127.0.0.1:41234".
  std::string address() const;

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "127.0.0.1:9323" -> host, port; "[::1]:80" too; ":9323" means loopback.
Result<std::pair<std::string, unsigned short>> parseListenAddress(const std::string& text);
bool isLoopback(const std::string& host);

}  // namespace shipshape::serve
