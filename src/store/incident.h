// Incidents: what went wrong, when it started, when shipshape noticed, what it did, when it was over.
// Times are milliseconds since the Unix epoch. Plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace shipshape::store {

struct Action {
  std::int64_t at_ms = 0;
  std::string kind;         // "restart", "skip", "hook", "limit", ...
  std::string description;  // what was done, with numbers
  std::string outcome;      // "ok", or the error
  bool automatic = true;
  std::int64_t duration_ms = 0;
};

struct Incident {
  std::int64_t id = 0;
  std::string kind;        // "unhealthy", "crash-loop", "daemon-down", ...
  std::string subject;     // container name, or "daemon"
  std::string subject_id;  // container ID, when there is one
  std::string situation;   // what was observed, with the numbers
  std::string task;        // what had to be restored
  std::string result;      // how it ended
  std::int64_t started_at_ms = 0;   // when the problem began (e.g. the failing health check)
  std::int64_t detected_at_ms = 0;  // when shipshape saw it
  std::optional<std::int64_t> resolved_at_ms;
  std::vector<Action> actions;

  std::int64_t timeToDetectMs() const { return detected_at_ms - started_at_ms; }
  std::optional<std::int64_t> timeToRecoverMs() const {
    if (!resolved_at_ms) return std::nullopt;
    return *resolved_at_ms - detected_at_ms;
  }
  std::optional<std::int64_t> downtimeMs() const {
    if (!resolved_at_ms) return std::nullopt;
    return *resolved_at_ms - started_at_ms;
  }
};

}  // namespace shipshape::store
