// Starvation detection: a pure function of successive resource snapshots, so that every threshold and
// window is unit-tested without a loaded machine.
//
// - cpu-starvation: the host's CPU busy at or above `host_cpu` for `window`, with the containers taking most
//   of it (the fewest, at most `max_offenders`, that together use `dominant_share` of the busy cores) named;
//   protected containers are named but judged apart (they do not shield an unprotected hog beside them);
// - memory-starvation: the host's memory in use at or above `host_memory` for `window`, offenders by
//   working set;
// - oom-kill: a container's cgroup counted a new OOM kill (at once, no window);
// - cpu-throttled: a container throttled in at least `throttle_ratio` of its CFS periods for `window`
//   (its CPU limit is too tight for what it does).
// Each condition starts once and ends after it has stayed clear for half a window (no flapping).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "resources/sampler.h"

namespace shipshape::guard {

struct StarvationOptions {
  std::chrono::milliseconds window{10000};
  double host_cpu = 0.90;
  double host_memory = 0.90;
  double dominant_share = 0.5;
  int max_offenders = 3;
  double throttle_ratio = 0.5;
};

struct Offender {
  std::shared_ptr<const resources::ContainerInfo> info;
  double cpu_cores = 0;
  std::uint64_t memory = 0;  // working set
  double share = 0;          // of what the host uses (busy cores, or memory in use)
};

struct Detection {
  enum class Kind { kCpuStarvation, kMemoryStarvation, kOomKill, kCpuThrottled };
  Kind kind;
  bool started = true;           // false: the condition has ended
  std::string subject = "host";  // "host", or the container's name
  std::string container_id;
  std::int64_t since_ms = 0;  // when the condition was first seen
  std::int64_t at_ms = 0;     // when it was decided (started or ended)
  std::vector<Offender> offenders;
  std::string situation;  // what was observed, with the numbers
};

const char* kindName(Detection::Kind kind);  // "cpu-starvation", ...

class StarvationDetector {
 public:
  explicit StarvationDetector(StarvationOptions options = {}) : options_(options) {}
  std::vector<Detection> observe(const resources::Snapshot& snapshot);

 private:
  // One condition's debounce: true since when, active or not, clear since when.
  struct Condition {
    std::int64_t true_since = -1, clear_since = -1;  // -1: not now
    bool active = false;
    std::int64_t started_at = 0;
  };
  // Advances `c` with `now_true`; returns +1 when it starts, -1 when it ends, 0 otherwise.
  int step(Condition& c, bool now_true, std::int64_t now, std::chrono::milliseconds window) const;
  std::vector<Offender> cpuOffenders(const resources::Snapshot& s) const;
  std::vector<Offender> memoryOffenders(const resources::Snapshot& s) const;

  StarvationOptions options_;
  Condition cpu_, memory_;
  std::map<std::string, Condition> throttled_, oom_;
  std::map<std::string, std::int64_t> last_oom_at_;
  std::map<std::string, std::string> names_;
  // Sums over the current stretch of CPU saturation (cleared when it ends).
  std::map<std::string, double> window_cpu_;
  double window_busy_ = 0;
  int window_samples_ = 0;  // container ID -> name, for conditions that outlive it
};

}  // namespace shipshape::guard
