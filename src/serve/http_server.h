// A small HTTP/1.1 server for the guardian's own endpoints (/metrics, /healthz, the dashboard), on
// Boost.Beast, one I/O thread. GET and HEAD only; keep-alive; a 10 s read deadline per request so an idle
// client cannot hold it. Handlers run on that thread: they must answer from what is already at hand.
//
// Security: it listens on loopback unless told otherwise, and a non-loopback address is refused without a
// token (compared in constant time), given as `Authorization: Bearer` or, for a browser, as the cookie that
// `/login?token=` sets (HttpOnly, SameSite=Strict). The token itself is never logged.
//
// Streams (server-sent events): a stream route's `poll` is called once a second on the I/O thread with the
// cursor it returned last; what it returns is written to the client as is. At most `max_streams` at once.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace shipshape::serve {

struct HttpRequest {
  std::string path;                          // without the query
  std::map<std::string, std::string> query;  // percent-decoded; the last of a repeated key wins
  std::string authorization;                 // the Authorization header, as sent (a handler's own scheme)
};

struct HttpReply {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::string cache_control = "no-store";
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones (Location, Set-Cookie)
};

using Handler = std::function<HttpReply(const HttpRequest&)>;

// Called once a second per open stream: appends what to send (SSE lines) and advances `cursor` (0 at first).
using StreamPoll = std::function<std::string(std::uint64_t& cursor)>;

struct ServerOptions {
  std::string listen = "127.0.0.1:9323";  // HOST:PORT; port 0 picks a free one
  std::string token;                      // required (bearer or cookie) when set; required when not loopback
  std::map<std::string, Handler> routes;  // path -> handler
  std::map<std::string, StreamPoll> streams;  // path -> text/event-stream
  // Serve /login (a form; `?token=` sets the cookie and redirects to /). A browser without the token that
  // asks for one of `pages` is sent there instead of getting a 401.
  bool login = false;
  std::vector<std::string> pages;
  int max_streams = 16;
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

// "a=1&b=%20" -> {a: "1", b: " "}
std::map<std::string, std::string> parseQuery(std::string_view query);

}  // namespace shipshape::serve
