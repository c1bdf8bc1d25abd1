// The healing state machine: engine events in, decisions out. It decides which containers to restart
// (unhealthy, and eligible by mode and labels), recognises crash loops (N deaths within a window, not
// counting the deaths our own restarts cause) and when an incident is over. Pure: no I/O, time is passed
// in, so every policy is unit-tested with synthetic events. Not thread-safe; one thread feeds it.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "docker/types.h"

namespace shipshape::heal {

enum class AutohealMode { kOff, kLabelled, kAll };
bool parseAutohealMode(const std::string& text, AutohealMode* out);

inline constexpr const char* kAutohealLabel = "shipshape.autoheal";
inline constexpr const char* kProtectLabel = "shipshape.protect";
// shipshape.protect=true (or 1, yes): the guardian never restarts, limits or otherwise touches it.
bool isProtected(const docker::Labels& labels);

struct HealOptions {
  AutohealMode mode = AutohealMode::kLabelled;
  int crash_loop_deaths = 5;                          // deaths ...
  std::chrono::milliseconds crash_loop_window{300000};  // ... within this window make a crash loop
  // A crash loop is over after this long without a death.
  std::chrono::milliseconds crash_loop_quiet{120000};
};

struct Decision {
  enum class Kind {
    kRestart,         // restart the container (unhealthy and eligible)
    kSkipProtected,   // unhealthy but labelled shipshape.protect=true: record, do not touch
    kSkipCrashLoop,   // unhealthy but crash-looping: restarting again would not help
    kCrashLoop,       // open a crash-loop incident
    kRecovered,       // the container is healthy again: close its unhealthy incident
    kCrashLoopOver,   // no death for the quiet period: close the crash-loop incident
    kGone,            // the container was removed: close whatever is open for it
  };
  Kind kind;
  std::string container_id;
  std::string name;
  std::int64_t event_ms = 0;    // when the engine saw it
  std::string detail;           // numbers for the incident's Situation
  std::int64_t started_ms = 0;  // when the problem began (first death of a crash loop); 0 = event_ms
};

class Healer {
 public:
  explicit Healer(HealOptions options) : options_(options) {}

  std::vector<Decision> onEvent(const docker::Event& event, std::int64_t now_ms);
  // Start-up reconcile: a container that was already unhealthy before we were watching.
  std::vector<Decision> onAlreadyUnhealthy(const std::string& id, const std::string& name,
                                           const docker::Labels& labels, std::int64_t now_ms);
  // We asked the engine to restart `id` at `now_ms`, with this stop timeout: its die/stop events until the
  // timeout has passed (plus a margin) are ours, not crashes.
  void noteRestart(const std::string& id, std::int64_t now_ms, int stop_timeout_s);
  // Periodic: crash loops that have gone quiet.
  std::vector<Decision> tick(std::int64_t now_ms);

  bool eligible(const docker::Labels& labels) const;

 private:
  struct ContainerState {
    std::string name;
    std::deque<std::int64_t> deaths;
    bool crash_looping = false;
    bool unhealthy = false;
    std::int64_t expected_exit_until = 0;
  };
  std::vector<Decision> unhealthy(const std::string& id, const std::string& name, const docker::Labels& labels,
                                  std::int64_t event_ms);

  HealOptions options_;
  std::map<std::string, ContainerState> containers_;
};

}  // namespace shipshape::heal
