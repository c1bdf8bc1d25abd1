// The last hour of the host as the dashboard draws it: one point per `step` (5 s by default) taken from the
// guardian's snapshots — the host's CPU and memory, and each container's share with its limits. The main loop
// adds; the HTTP thread renders. Thread-safe; memory is bounded by the window (720 points by default).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "resources/sampler.h"

namespace shipshape::dashboard {

struct ContainerPoint {
  std::string id;
  double cpu_cores = 0;
  std::int64_t memory_bytes = 0;  // working set, as docker stats shows it
};

struct HostPoint {
  std::int64_t at_ms = 0;
  double cpu_cores = 0;  // busy cores on the host (0 when the engine is remote)
  std::int64_t memory_used = 0;
  std::vector<ContainerPoint> containers;
};

// What the page labels a container with: the latest inspect data the sampler had.
struct ContainerMeta {
  std::string id, name, image;
  double cpu_limit_cores = 0;     // 0: no CPU limit
  std::int64_t memory_limit = 0;  // 0: no memory limit
  bool running = false;           // in the last snapshot
  std::int64_t last_seen_ms = 0;
};

class HostHistory {
 public:
  explicit HostHistory(std::chrono::milliseconds step = std::chrono::seconds(5),
                       std::chrono::milliseconds window = std::chrono::hours(1));

  // Takes a point when `step` has passed since the last one; true when it did.
  bool add(const resources::Snapshot& snapshot);

  // {"step_ms","cores","memory_total","containers":[meta...],"points":[{"t","cpu","mem","c":{id:[cpu,mem]}}]}
  // Points after `since_ms` only (0: the whole window).
  std::string toJson(std::int64_t since_ms = 0) const;
  // The newest point and the containers' meta, as one SSE-ready JSON object; "" when there is none yet.
  std::string latestJson() const;
  // How many points have been taken since start (a cursor for streams).
  std::uint64_t taken() const;

 private:
  std::string render(std::int64_t since_ms, bool latest_only) const;

  const std::int64_t step_ms_, window_ms_;
  mutable std::mutex mu_;
  std::deque<HostPoint> points_;               // guarded by mu_
  std::map<std::string, ContainerMeta> meta_;  // guarded by mu_; by ID, dropped when out of the window
  int cores_ = 0;                              // guarded by mu_
  std::int64_t memory_total_ = 0;              // guarded by mu_
  std::uint64_t taken_ = 0;                    // guarded by mu_
};

}  // namespace shipshape::dashboard
