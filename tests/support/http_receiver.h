// A real HTTP endpoint on 127.0.0.1 for tests that check what the product sends (webhooks): it records each
// request's method, path, headers and body and answers with a chosen status. One thread, one request per
// connection.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace shipshape::testing {

struct ReceivedRequest {
  std::string method, path, body;
  std::map<std::string, std::string> headers;  // lower-case names
};

struct Reply {
  int status = 200;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
};

class HttpReceiver {
 public:
  using Handler = std::function<Reply(const ReceivedRequest&)>;
  explicit HttpReceiver(int status = 200);
  // Answers each request with what `handler` returns (called on the receiver's thread).
  explicit HttpReceiver(Handler handler);
  ~HttpReceiver();
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  void setStatus(int status) { status_ = status; }
  std::vector<ReceivedRequest> requests();
  // Waits until at least `n` requests arrived or `timeout` passed.
  bool waitFor(std::size_t n, std::chrono::milliseconds timeout);

 private:
  void start();
  void run();
  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> status_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<ReceivedRequest> requests_;
  std::thread thread_;
};

}  // namespace shipshape::testing
