// Follows the engine's event stream for as long as it runs, across daemon restarts and lost sockets:
// reconnects with capped exponential backoff and resumes from the last event seen (`since`), so that no
// event is missed. The daemon's `since` is inclusive, so events at exactly the resume instant are
// delivered again by the daemon; the watcher drops those repeats.
// run() blocks on the calling thread; stop it by setting the `stop` flag (returns within about a second).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <tuple>

#include "common/result.h"
#include "docker/client.h"

namespace shipshape::docker {

struct EventWatcherOptions {
  Filters filters;
  std::string since;  // where to start; empty = now
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{5000};
};

struct EventWatcherCallbacks {
  std::function<void(const Event&)> on_event;
  std::function<void(bool resumed)> on_connected;        // resumed: after a gap
  std::function<void(const Error&)> on_disconnected;     // the stream broke or could not be opened
};

class EventWatcher {
 public:
  EventWatcher(Endpoint endpoint, ClientOptions client_options, EventWatcherOptions options,
               EventWatcherCallbacks callbacks);

  void run(const std::atomic<bool>& stop);

  // Counters, readable from other threads.
  std::uint64_t eventsDelivered() const { return events_.load(); }
  std::uint64_t reconnects() const { return reconnects_.load(); }

 private:
  bool isRepeat(const Event& e) const;

  Endpoint endpoint_;
  ClientOptions client_options_;
  EventWatcherOptions options_;
  EventWatcherCallbacks callbacks_;
  std::int64_t last_time_nano_ = 0;
  // Identity of the events delivered at last_time_nano_, to drop the daemon's inclusive repeats.
  std::set<std::tuple<std::string, std::string, std::string>> at_last_time_;
  std::atomic<std::uint64_t> events_{0};
  std::atomic<std::uint64_t> reconnects_{0};
};

// 1700000000123456789 -> "1700000000.123456789", the form /events?since= accepts.
std::string sinceFromNanos(std::int64_t time_nano);

}  // namespace shipshape::docker
