// Reads the daemon's log (a file or the journal; `--daemon-log`, daemonwatch/log_source.h) and turns known failure
// signatures into incidents with their diagnosis and runbook: kind "daemon-<signature>", subject "daemon", one open
// incident per signature, closed after a quiet period without new matches. Single-threaded: polled from the guardian's
// loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <memory>

#include "daemonwatch/log_signatures.h"
#include "daemonwatch/log_source.h"
#include "store/incident_store.h"

namespace shipshape::daemonwatch {

struct LogHit {
  const LogSignature* signature;
  std::string line;
  std::int64_t at_ms;
};

class DaemonLogWatch {
 public:
  using Clock = std::function<std::int64_t()>;
  DaemonLogWatch(std::unique_ptr<LogSource> source, store::IncidentStore& store, Clock clock,
                 std::chrono::milliseconds quiet = std::chrono::minutes(10));

  void poll();
  // The most recent signature seen within `window` (to explain a daemon outage).
  std::optional<LogHit> recentHit(std::chrono::milliseconds window) const;

 private:
  struct SignatureState {
    std::deque<std::int64_t> recent;  // match times within the last minute (bursts)
    std::int64_t incident_id = 0;
    std::int64_t last_match_ms = 0;
    int matches = 0;
  };
  void onHit(const LogSignature& s, const std::string& line, std::int64_t now);

  std::unique_ptr<LogSource> source_;
  store::IncidentStore& store_;
  Clock clock_;
  std::chrono::milliseconds quiet_;
  std::map<std::string_view, SignatureState> state_;
  std::optional<LogHit> last_hit_;
};

}  // namespace shipshape::daemonwatch
