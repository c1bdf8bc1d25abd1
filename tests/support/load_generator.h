// A bounded HTTP load generator for deploy tests and benchmarks (127.0.0.1 targets): N keep-alive
// connections, each on its own thread, optionally paced to a total request rate. Every answer is counted
// from the client side: failures (connect, reset, timeout, malformed), statuses, and bodies (so a test can
// tell which version served it), with each request's latency.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace shipshape::testing {

struct LoadStats {
  std::int64_t requests = 0;  // answered with any status
  std::int64_t failed = 0;    // no answer: connect/read/write error or timeout
  std::map<int, std::int64_t> statuses;
  std::map<std::string, std::int64_t> bodies;  // answer body -> count
  std::vector<double> latencies_ms;            // of answered requests
  double seconds = 0;

  std::int64_t non2xx() const;
  double percentileMs(double p) const;  // p in [0, 100]
  double rate() const { return seconds > 0 ? static_cast<double>(requests) / seconds : 0; }
  std::string summary() const;
};

class LoadGenerator {
 public:
  // `rate` requests/s over all connections; 0 = as fast as they go.
  LoadGenerator(std::string host, unsigned short port, std::string path, int connections, double rate = 0);
  ~LoadGenerator();
  void start();
  LoadStats stop();  // joins the connections and merges their counts
  // Failures so far (cheap; for watching while it runs).
  std::int64_t failedSoFar() const { return failed_.load(); }

 private:
  void run(int index);

  std::string host_;
  unsigned short port_;
  std::string path_;
  int connections_;
  double rate_;
  std::atomic<bool> stop_{false};
  std::atomic<std::int64_t> failed_{0};
  std::vector<std::thread> threads_;
  std::vector<LoadStats> per_thread_;
  std::int64_t started_ns_ = 0;
};

}  // namespace shipshape::testing
