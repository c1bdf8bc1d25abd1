// Watches the daemon itself and carries an outage through: when the engine stops answering (its event stream
// breaks and /_ping fails), open a "daemon-down" incident and run the drain hooks; when it answers again,
// run the undrain hooks, reconcile, and close the incident with the measured downtime.
// Driven by the guardian's main loop (one thread): feed it stream signals and periodic pings. Hooks run on a
// thread the guard owns (in order: every drain before the undrain that follows it), so a hook that takes its
// whole timeout never stalls healing or sampling; the destructor waits for the hooks already queued.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemonwatch/daemon_log_watch.h"
#include "docker/client.h"
#include "store/incident_store.h"

namespace shipshape::daemonwatch {

class SwarmDrain;

struct DaemonGuardOptions {
  std::vector<std::vector<std::string>> drain_hooks;  // each an argv
  std::vector<std::vector<std::string>> undrain_hooks;
  std::chrono::milliseconds hook_timeout{30000};
  int failed_pings_for_down = 2;  // a hung daemon keeps the stream open but stops answering
  SwarmDrain* swarm = nullptr;    // in a Swarm: drain this node during the outage
};

class DaemonGuard {
 public:
  using Clock = std::function<std::int64_t()>;
  using Reconcile = std::function<void()>;
  // `log_watch` (may be null) explains outages from the daemon's own log.
  DaemonGuard(docker::Client& client, store::IncidentStore& store, DaemonGuardOptions options, Clock clock,
              Reconcile reconcile, DaemonLogWatch* log_watch = nullptr);
  ~DaemonGuard();  // runs the hooks still queued, then joins the hook thread
  DaemonGuard(const DaemonGuard&) = delete;
  DaemonGuard& operator=(const DaemonGuard&) = delete;

  // The event stream broke / came back (from the event watcher), at `at_ms`.
  void streamLost(std::int64_t at_ms, const std::string& why);
  void streamBack(std::int64_t at_ms);
  // Called about once a second: pings the daemon and acts on the answer.
  void tick();

  bool down() const { return incident_id_ != 0; }
  double lastPingMs() const { return last_ping_ms_; }

 private:
  void markDown(std::int64_t since_ms, const std::string& why);
  void markUp(std::int64_t at_ms);
  struct HookJob {
    const std::vector<std::vector<std::string>>* hooks = nullptr;  // in options_, which outlives the thread
    std::string kind;                                              // "drain" | "undrain"
    std::int64_t incident_id = 0;
    std::string subject;  // the engine's endpoint, read on the loop's thread
  };
  void queueHooks(const std::vector<std::vector<std::string>>& hooks, const char* kind);
  void runHooks(const HookJob& job);
  void hookLoop();
  void record(std::int64_t incident_id, const store::Action& action);

  docker::Client& client_;
  store::IncidentStore& store_;
  DaemonGuardOptions options_;
  Clock clock_;
  Reconcile reconcile_;
  DaemonLogWatch* log_watch_;
  std::int64_t incident_id_ = 0;
  std::int64_t lost_at_ms_ = 0;  // when the stream broke, if it has
  int failed_pings_ = 0;
  double last_ping_ms_ = 0;

  std::mutex hooks_mu_;
  std::condition_variable hooks_cv_;
  std::deque<HookJob> hook_jobs_;  // guarded by hooks_mu_
  bool hooks_stopping_ = false;    // guarded by hooks_mu_
  std::thread hook_thread_;        // started last in the constructor, joined first in the destructor
};

}  // namespace shipshape::daemonwatch
