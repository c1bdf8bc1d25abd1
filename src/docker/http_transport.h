// HTTP/1.1 to the Engine API over a unix socket or TCP (optionally TLS), on libcurl.
// One transport owns one curl handle and keeps its connection alive between requests (connection reuse).
// Not thread-safe: use one transport per thread. Streams (events, stats, logs) use their own transport.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "docker/endpoint.h"

namespace shipshape::docker {

// Fills `buffer` with up to `size` bytes of a streamed request body; returns how many (0 = the body is complete)
// or kUploadAbort to abandon the request (reported as kCancelled).
using BodySource = std::function<std::size_t(char* buffer, std::size_t size)>;
inline constexpr std::size_t kUploadAbort = static_cast<std::size_t>(-1);

struct HttpRequest {
  std::string method = "GET";
  std::string target;  // path and query, already encoded: /v1.41/containers/json?all=1
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, the body is read from here as it is sent (chunked transfer encoding) and `body` is ignored.
  BodySource body_source;
  // 0 means "use the transport's default"; streams pass a negative value for "no limit".
  std::chrono::milliseconds timeout{0};
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string header(const std::string& lower_name) const;
};

// Receives a streamed body chunk; return false to stop the transfer (reported as kCancelled).
using ChunkSink = std::function<bool(std::string_view chunk)>;
// Sees status and headers once, before the first chunk; return false to stop.
using HeadSink = std::function<bool(const HttpResponse& head)>;

struct TransportOptions {
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds request_timeout{30000};
};

class HttpTransport {
 public:
  HttpTransport(Endpoint endpoint, TransportOptions options);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // Sends a request and reads the whole response. HTTP error statuses are returned as responses, not errors;
  // errors are transport failures only (unreachable, timeout, protocol).
  Result<HttpResponse> send(const HttpRequest& request);

  // Sends a request and hands the body to `on_chunk` as it arrives. When the status is >= 400 the body is
  // collected into the returned response instead. `cancel`, when set, stops the transfer within about a second.
  Result<HttpResponse> stream(const HttpRequest& request, const HeadSink& on_head, const ChunkSink& on_chunk,
                              const std::atomic<bool>* cancel);

  const Endpoint& endpoint() const { return endpoint_; }
  // New connections opened so far; stays at 1 across requests while the daemon keeps the connection open.
  long connectionsOpened() const { return connections_opened_; }

 public:
  struct Transfer;  // per-request state the curl callbacks write into (defined in the .cpp)

 private:
  Result<HttpResponse> perform(const HttpRequest& request, Transfer& transfer);

  Endpoint endpoint_;
  TransportOptions options_;
  void* curl_ = nullptr;  // CURL*, kept across requests so that curl reuses the connection
  long connections_opened_ = 0;
};

}  // namespace shipshape::docker
