// shipshape watch: the guardian's main loop. Today it heals: event-driven restarts of unhealthy containers,
// crash-loop detection, start-up reconcile, every incident recorded with its times. It runs until SIGTERM
// or SIGINT and then stops within about a second.
#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>

#include "cli/commands.h"
#include "common/format.h"
#include "common/log.h"
#include "docker/event_watcher.h"
#include "heal/heal_engine.h"
#include "heal/healer.h"
#include "store/incident_store.h"

namespace shipshape::cli {
namespace {

std::atomic<bool> g_stop{false};

void onSignal(int) { g_stop.store(true); }

// Events from the watcher thread to the main loop.
class EventQueue {
 public:
  void push(docker::Event e) {
    {
      std::lock_guard lock(mu_);
      events_.push_back(std::move(e));
    }
    cv_.notify_one();
  }
  // Waits up to `timeout` for events; returns what is there.
  std::deque<docker::Event> take(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return !events_.empty(); });
    std::deque<docker::Event> out;
    out.swap(events_);
    return out;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<docker::Event> events_;  // guarded by mu_
};

}  // namespace

ExitCode runWatch(const GlobalOptions& global, const WatchOptions& options) {
  heal::HealOptions heal_options;
  if (!heal::parseAutohealMode(options.autoheal, &heal_options.mode)) {
    std::fprintf(stderr, "shipshape: --autoheal must be labelled, all or off\n");
    return ExitCode::kError;
  }
  heal_options.crash_loop_deaths = options.crash_loop_deaths;
  heal_options.crash_loop_window = std::chrono::milliseconds(static_cast<long long>(options.crash_loop_window_s * 1000));
  heal_options.crash_loop_quiet = std::chrono::milliseconds(static_cast<long long>(options.crash_loop_quiet_s * 1000));

  std::string state_dir = options.state_dir.empty() ? store::defaultStateDir() : options.state_dir;
  auto store = store::IncidentStore::open(state_dir);
  if (!store) {
    printError(store.error());
    return ExitCode::kError;
  }
  auto client = makeClient(global);
  if (!client) {
    printError(client.error());
    return ExitCode::kError;
  }
  if (auto v = (*client)->apiVersion(); !v) {
    printError(v.error());
    return ExitCode::kError;
  }

  struct sigaction sa {};
  sa.sa_handler = onSignal;
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);

  heal::Healer healer(heal_options);
  heal::HealEngine engine(**client, **store, healer, nowMs);
  std::fprintf(stderr, "shipshape watch: engine %s, autoheal %s, state %s\n",
               (*client)->endpoint().display().c_str(), options.autoheal.c_str(), (*store)->path().c_str());

  // Start-up reconcile: containers that were already unhealthy before we were watching.
  if (auto sick = (*client)->listContainers({.all = false, .filters = {{"health", {"unhealthy"}}}})) {
    for (const auto& c : *sick) {
      for (const auto& d : healer.onAlreadyUnhealthy(c.id, c.name, c.labels, nowMs())) engine.apply(d);
    }
  }

  EventQueue queue;
  docker::EventWatcherOptions watch_options;
  // Only what the healer reads: health probes alone produce exec events every few seconds per container.
  watch_options.filters = {{"type", {"container"}}, {"event", {"health_status", "die", "destroy"}}};
  watch_options.since = docker::sinceFromNanos(nowMs() * 1000000);
  docker::EventWatcher watcher((*client)->endpoint(), {}, watch_options,
                               {.on_event = [&](const docker::Event& e) { queue.push(e); },
                                .on_connected =
                                    [](bool resumed) {
                                      if (resumed) SHIPSHAPE_LOG(heal, warn, "[daemon] event stream resumed");
                                    },
                                .on_disconnected = {}});
  std::thread events([&] { watcher.run(g_stop); });

  std::int64_t last_tick = nowMs();
  while (!g_stop.load()) {
    for (const auto& e : queue.take(std::chrono::milliseconds(250))) {
      for (const auto& d : healer.onEvent(e, nowMs())) engine.apply(d);
    }
    if (nowMs() - last_tick >= 1000) {
      last_tick = nowMs();
      for (const auto& d : healer.tick(last_tick)) engine.apply(d);
    }
  }
  events.join();
  const auto& c = engine.counters();
  std::fprintf(stderr, "shipshape watch: stopped (%llu restarts, %llu crash loops, %llu incidents opened, %llu resolved)\n",
               static_cast<unsigned long long>(c.restarts.load()), static_cast<unsigned long long>(c.crash_loops.load()),
               static_cast<unsigned long long>(c.incidents_opened.load()),
               static_cast<unsigned long long>(c.incidents_resolved.load()));
  return ExitCode::kOk;
}

}  // namespace shipshape::cli
