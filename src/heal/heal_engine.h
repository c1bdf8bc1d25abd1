// Carries out the healer's decisions: restarts through the Engine API (honouring each container's stop
// timeout) and records every detection, action and recovery as an incident with its times. Failures to act
// are recorded and logged, never thrown: the guardian keeps running. One thread; not thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "docker/client.h"
#include "heal/healer.h"
#include "store/incident_store.h"

namespace shipshape::heal {

struct HealCounters {
  std::atomic<std::uint64_t> restarts{0}, restart_failures{0}, crash_loops{0}, incidents_opened{0},
      incidents_resolved{0};
};

class HealEngine {
 public:
  using Clock = std::function<std::int64_t()>;  // ms since the epoch
  HealEngine(docker::Client& client, store::IncidentStore& store, Healer& healer, Clock clock);

  void apply(const Decision& decision);
  const HealCounters& counters() const { return counters_; }

 private:
  void restart(const Decision& d);
  void recordSkip(const Decision& d, const std::string& why);
  void openCrashLoop(const Decision& d);
  void resolveOpen(const std::string& kind, const Decision& d, const std::string& result);

  docker::Client& client_;
  store::IncidentStore& store_;
  Healer& healer_;
  Clock clock_;
  HealCounters counters_;
};

}  // namespace shipshape::heal
