// An HTTP/1.1 relay between a client (dockerd) and a registry on loopback that injects faults into chosen
// requests: a 503 answer, a 401 with the registry's "invalid_token" challenge (its bearer token expired
// mid-push), or a TCP reset instead of an answer. Everything else is forwarded byte for byte, one
// request at a time per connection (Content-Length and chunked bodies both ways). Each connection has a thread
// the relay owns; the destructor shuts every socket down and joins them all.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace shipshape::testing {

class FaultRelay {
 public:
  enum class Fault { k503, k401, kReset };
  struct Rule {
    std::string method;         // "PUT"
    std::string path_contains;  // "/manifests/"
    Fault fault = Fault::k503;
    int times = 1;
    std::string www_authenticate;  // k401: the challenge, as the registry would send it
  };
  explicit FaultRelay(unsigned short upstream_port);
  ~FaultRelay();
  FaultRelay(const FaultRelay&) = delete;
  FaultRelay& operator=(const FaultRelay&) = delete;

  void addRule(const Rule& rule);
  unsigned short port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int faultsInjected() const { return injected_.load(); }

 private:
  void acceptLoop();
  void serve(int client);
  bool takeFault(const std::string& method, const std::string& path, Rule* fault);

  unsigned short upstream_port_;
  int listen_fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> injected_{0};
  std::mutex mu_;
  std::vector<Rule> rules_;         // guarded by mu_
  std::vector<int> open_fds_;       // guarded by mu_: shut down by the destructor
  std::vector<std::thread> conns_;  // guarded by mu_
  std::thread acceptor_;
};

}  // namespace shipshape::testing
