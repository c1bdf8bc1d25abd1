#include "lab/client_load.h"

#include <chrono>

#include "lab/lab_context.h"

namespace shipshape::lab {

ClientLoad::ClientLoad(std::string url, int threads, int per_thread_rps)
    : url_(std::move(url)), per_thread_rps_(per_thread_rps) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { loop(); });
}

ClientLoad::~ClientLoad() { (void)stop(); }

LoadCounts ClientLoad::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

LoadCounts ClientLoad::stop() {
  stop_.store(true);
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  return counts();
}

void ClientLoad::loop() {
  const auto period = std::chrono::microseconds(1'000'000 / std::max(1, per_thread_rps_));
  auto next = std::chrono::steady_clock::now();
  while (!stop_.load()) {
    std::this_thread::sleep_until(next);  // pacing the client's rate
    next += period;
    HttpAnswer answer = httpCall("GET", url_, "", std::chrono::seconds(2));
    std::lock_guard lock(mu_);
    ++counts_.total;
    if (answer.status == 0) {
      ++counts_.failed;
    } else if (answer.status >= 500) {
      ++counts_.errors_5xx;
    } else if (answer.status < 300) {
      ++counts_.bodies[answer.body];
    }
  }
}

}  // namespace shipshape::lab
