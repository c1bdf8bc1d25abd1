// Carries out the healer's decisions: restarts through the Engine API (honouring each container's stop
// timeout) and records every detection, action and recovery as an incident with its times. Failures to act
// are recorded and logged, never thrown: the guardian keeps running. apply() is called from one thread;
// restarts run on their own threads (a restart takes as long as the container's stop timeout, and one slow
// container must not delay the next), each with its own engine connection; the destructor waits for them.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

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
  ~HealEngine();
  HealEngine(const HealEngine&) = delete;
  HealEngine& operator=(const HealEngine&) = delete;

  void apply(const Decision& decision);
  const HealCounters& counters() const { return counters_; }

 private:
  void restart(const Decision& d);
  void recordSkip(const Decision& d, const std::string& why);
  void openCrashLoop(const Decision& d);
  void resolveOpen(const std::string& kind, const Decision& d, const std::string& result);

  void restartOnWorker(Decision d, std::int64_t incident_id, int stop_timeout, std::uint64_t worker);
  void reapFinishedWorkers();

  docker::Client& client_;
  store::IncidentStore& store_;
  Healer& healer_;
  Clock clock_;
  HealCounters counters_;
  std::mutex mu_;
  std::set<std::string> restarting_;   // container IDs with a restart in flight; guarded by mu_
  std::map<std::uint64_t, std::thread> workers_;  // guarded by mu_
  std::vector<std::uint64_t> finished_;           // workers done, to be joined; guarded by mu_
  std::uint64_t next_worker_ = 0;                 // guarded by mu_
};

}  // namespace shipshape::heal
