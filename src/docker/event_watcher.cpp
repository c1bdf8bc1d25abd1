#include "docker/event_watcher.h"

#include <cstdio>
#include <thread>

#include "common/log.h"

namespace shipshape::docker {

std::string sinceFromNanos(std::int64_t time_nano) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%lld.%09lld", static_cast<long long>(time_nano / 1000000000LL),
                static_cast<long long>(time_nano % 1000000000LL));
  return buf;
}

EventWatcher::EventWatcher(Endpoint endpoint, ClientOptions client_options, EventWatcherOptions options,
                           EventWatcherCallbacks callbacks)
    : endpoint_(std::move(endpoint)),
      client_options_(client_options),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)) {}

bool EventWatcher::isRepeat(const Event& e) const {
  return e.time_nano < last_time_nano_ ||
         (e.time_nano == last_time_nano_ && at_last_time_.count({e.type, e.action, e.actor_id}) > 0);
}

void EventWatcher::run(const std::atomic<bool>& stop) {
  auto backoff = options_.initial_backoff;
  bool had_gap = false;
  while (!stop.load()) {
    // A fresh client per connection: after a daemon restart the API version may have changed.
    Client client(endpoint_, client_options_);
    EventQuery query;
    query.filters = options_.filters;
    query.since = last_time_nano_ ? sinceFromNanos(last_time_nano_) : options_.since;
    bool connected = false;
    auto result = client.events(
        query,
        [&](const Event& e) {
          if (isRepeat(e)) return true;
          if (e.time_nano != last_time_nano_) at_last_time_.clear();
          last_time_nano_ = e.time_nano;
          at_last_time_.insert({e.type, e.action, e.actor_id});
          events_.fetch_add(1);
          if (callbacks_.on_event) callbacks_.on_event(e);
          return !stop.load();
        },
        &stop,
        [&] {
          connected = true;
          backoff = options_.initial_backoff;
          if (had_gap) reconnects_.fetch_add(1);
          if (callbacks_.on_connected) callbacks_.on_connected(had_gap);
        });
    if (stop.load()) return;
    Error error = result ? Error{ErrorCode::kUnreachable, "the daemon closed the event stream", {}, 0}
                         : result.error();
    SHIPSHAPE_LOG(docker, warn, "[endpoint={}] event stream {}: {}; retrying in {} ms", endpoint_.display(),
                  connected ? "lost" : "unavailable", error.describe(), backoff.count());
    if (callbacks_.on_disconnected) callbacks_.on_disconnected(error);
    had_gap = true;
    // Sleep in short steps so that a stop request is honoured promptly.
    auto until = std::chrono::steady_clock::now() + backoff;
    while (!stop.load() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

}  // namespace shipshape::docker
