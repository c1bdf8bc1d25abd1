// A steady client for the lab's services: `threads` loops, each paced at `per_thread_rps`, counting every
// answer by status and body. Owns its threads: stop() (or the destructor) ends and joins them.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace shipshape::lab {

struct LoadCounts {
  long total = 0;
  long failed = 0;  // nothing answered (connection refused or reset, timeout)
  long errors_5xx = 0;
  std::map<std::string, long> bodies;  // the answers' bodies (a version), 2xx only
};

class ClientLoad {
 public:
  ClientLoad(std::string url, int threads, int per_thread_rps);
  ~ClientLoad();
  ClientLoad(const ClientLoad&) = delete;
  ClientLoad& operator=(const ClientLoad&) = delete;

  LoadCounts counts() const;
  LoadCounts stop();

 private:
  void loop();

  std::string url_;
  int per_thread_rps_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  LoadCounts counts_;                 // guarded by mu_
  std::vector<std::thread> threads_;  // started last, joined first
};

}  // namespace shipshape::lab
