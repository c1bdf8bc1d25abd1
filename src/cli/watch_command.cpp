// shipshape watch: the guardian's main loop. Today it heals (event-driven restarts of unhealthy containers,
// crash-loop detection, start-up reconcile) and carries daemon outages through (drain/undrain hooks, the
// downtime measured); every incident is recorded with its times. It runs until SIGTERM or SIGINT and then
// stops within about a second.
#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include "cli/commands.h"
#include "deploy/proxy_host.h"
#include "store/release_store.h"
#include "cli/watch_settings.h"
#include "common/file.h"
#include "common/format.h"
#include "common/log.h"
#include "docker/event_watcher.h"
#include "daemonwatch/daemon_guard.h"
#include "daemonwatch/daemon_log_watch.h"
#include "daemonwatch/disk_watch.h"
#include "heal/heal_engine.h"
#include "heal/healer.h"
#include "guard/resource_guard.h"
#include "daemonwatch/swarm_drain.h"
#include "cli/watch_config.h"
#include "notify/webhook.h"
#include "resources/sampler.h"
#include "serve/http_server.h"
#include "serve/metrics.h"
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

// Internal markers the event watcher thread sends the main loop about the stream itself.
constexpr const char* kStreamMarker = "shipshape-stream";

// What the main loop publishes for the HTTP endpoints' thread: the last snapshot and the counters.
class Published {
 public:
  void set(std::shared_ptr<const resources::Snapshot> snapshot, const serve::GuardianStatus& status) {
    std::lock_guard lock(mu_);
    if (snapshot) snapshot_ = std::move(snapshot);
    status_ = status;
  }
  std::pair<std::shared_ptr<const resources::Snapshot>, serve::GuardianStatus> get() {
    std::lock_guard lock(mu_);
    return {snapshot_, status_};
  }

 private:
  std::mutex mu_;
  std::shared_ptr<const resources::Snapshot> snapshot_ = std::make_shared<resources::Snapshot>();
  serve::GuardianStatus status_;
};

}  // namespace

ExitCode runWatch(const GlobalOptions& global, const WatchOptions& options) {
  auto settings = resolveWatchSettings(options);
  if (!settings) {
    printError(settings.error());
    return ExitCode::kError;
  }
  const WatchConfig& config = settings->config;
  daemonwatch::DaemonGuardOptions guard_options = settings->guard;
  const auto interval = settings->interval;
  const std::string& autoheal = settings->autoheal;
  const std::string& policy = settings->policy;
  const std::string& listen = settings->listen;

  auto store = store::IncidentStore::open(settings->state_dir);
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
    // A daemon that is down when the guardian starts is an outage to carry through, not a reason to quit.
    if (v.error().code != ErrorCode::kUnreachable && v.error().code != ErrorCode::kTimeout) {
      printError(v.error());
      return ExitCode::kError;
    }
    SHIPSHAPE_LOG(heal, warn, "[daemon] not answering at start-up: {}", v.error().describe());
  }

  // The deploy proxy lives here unless told otherwise (or another process already hosts it for this state dir).
  std::unique_ptr<store::ReleaseStore> release_store;
  std::unique_ptr<deploy::ProxyHost> proxy_host;
  if (!options.no_proxy) {
    auto releases = store::ReleaseStore::open(settings->state_dir);
    if (!releases) {
      printError(releases.error());
      return ExitCode::kError;
    }
    release_store = std::move(*releases);
    auto hosted = deploy::ProxyHost::start({.state_dir = settings->state_dir, .docker_host = global.host},
                                           *release_store, **store);
    if (hosted) {
      proxy_host = std::move(*hosted);
    } else {
      SHIPSHAPE_LOG(proxy, warn, "not hosting the deploy proxy: {}", hosted.error().describe());
    }
  }

  struct sigaction sa {};
  sa.sa_handler = onSignal;
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);

  // Alerts and the open-incident count follow every incident, whichever part of the guardian opened it.
  std::unique_ptr<notify::WebhookAlerter> alerter;
  if (!settings->webhook.url.empty()) alerter = std::make_unique<notify::WebhookAlerter>(settings->webhook);
  std::atomic<std::int64_t> open_incidents{0};
  std::atomic<std::uint64_t> opened_total{0}, resolved_total{0};
  if (auto all = (*store)->list()) {
    for (const auto& i : *all) open_incidents += i.resolved_at_ms ? 0 : 1;
  }
  (*store)->setListener([&](const store::Incident& incident, bool resolved) {
    open_incidents += resolved ? -1 : 1;
    ++(resolved ? resolved_total : opened_total);
    if (alerter) alerter->incident(incident, resolved);
  });

  heal::Healer healer(settings->heal);
  heal::HealEngine engine(**client, **store, healer, nowMs);
  bool local_engine = (*client)->endpoint().kind == docker::Endpoint::Kind::kUnix;
  resources::Sampler sampler(**client,
                             {.host = resources::HostPaths::detect(settings->host_root), .host_is_engine = local_engine});
  guard::ResourceGuard resource_guard(**client, **store, settings->resources, nowMs,
                                     [&](const std::string& id) { sampler.markChanged(id); });
  Published published;
  serve::GuardianStatus status{.started_at_ms = nowMs(), .version = SHIPSHAPE_VERSION};
  std::unique_ptr<serve::HttpServer> server;
  if (!listen.empty()) {
    serve::ServerOptions so{.listen = listen, .token = settings->listen_token};
    std::int64_t stall_ms = std::max<std::int64_t>(10000, 5 * interval.count());
    so.routes["/metrics"] = [&] {
      auto [snap, st] = published.get();
      std::string body = serve::renderMetrics(*snap, st);
      if (proxy_host) body += proxy_host->metrics();
      return serve::HttpReply{.content_type = "text/plain; version=0.0.4; charset=utf-8", .body = body};
    };
    so.routes["/healthz"] = [&, stall_ms] {
      auto [snap, st] = published.get();
      bool healthy = false;
      std::string body = serve::renderHealthz(*snap, st, nowMs(), stall_ms, &healthy);
      return serve::HttpReply{.status = healthy ? 200 : 503, .content_type = "application/json", .body = body};
    };
    auto started = serve::HttpServer::start(std::move(so));
    if (!started) {
      printError(started.error());
      return ExitCode::kError;
    }
    server = std::move(*started);
  }
  std::fprintf(stderr, "shipshape watch: engine %s, autoheal %s, policy %s, state %s%s\n",
               (*client)->endpoint().display().c_str(), autoheal.c_str(), policy.c_str(), (*store)->path().c_str(),
               server ? (", metrics on http://" + server->address() + "/metrics").c_str() : "");

  // Containers that are already unhealthy: at start-up, and again after every daemon outage.
  auto reconcile = [&] {
    if (auto sick = (*client)->listContainers({.all = false, .filters = {{"health", {"unhealthy"}}}})) {
      for (const auto& c : *sick) {
        for (const auto& d : healer.onAlreadyUnhealthy(c.id, c.name, c.labels, nowMs())) engine.apply(d);
      }
    }
  };
  reconcile();
  std::unique_ptr<daemonwatch::DaemonLogWatch> log_watch;
  if (!options.daemon_log.empty()) {
    auto source = daemonwatch::openLogSource(options.daemon_log);
    if (!source) {
      printError(source.error());
      return ExitCode::kError;
    }
    log_watch = std::make_unique<daemonwatch::DaemonLogWatch>(std::move(*source), **store, nowMs);
  }
  // In a Swarm (or when the config names a node), the node is drained while the engine is down.
  std::unique_ptr<daemonwatch::SwarmDrain> swarm;
  {
    auto candidate = std::make_unique<daemonwatch::SwarmDrain>(**client, daemonwatch::SwarmDrainOptions{config.swarm_node, config.swarm_managers});
    if (candidate->learn() || config.swarm_configured) {
      swarm = std::move(candidate);
      guard_options.swarm = swarm.get();
      SHIPSHAPE_LOG(heal, info, "[swarm] node {} is drained during engine outages", swarm->node().empty() ? "(unknown)" : swarm->node());
    }
  }
  daemonwatch::DaemonGuard guard(**client, **store, guard_options, nowMs, reconcile, log_watch.get());

  // The daemon's own view: its warnings once, then its data-root's space and inodes every 10 s (local engine).
  std::string data_root;
  if (auto info = (*client)->info()) {
    for (const auto& w : info->warnings) SHIPSHAPE_LOG(heal, warn, "[daemon] {}", w);
    if ((*client)->endpoint().kind == docker::Endpoint::Kind::kUnix) data_root = info->docker_root_dir;
  }
  daemonwatch::DiskWatch disk(**store, nowMs, options.disk_threshold_percent / 100.0);
  std::int64_t last_disk_check = 0;

  EventQueue queue;
  docker::EventWatcherOptions watch_options;
  // Only what the healer reads: health probes alone produce exec events every few seconds per container.
  watch_options.filters = {{"type", {"container"}}, {"event", {"health_status", "die", "destroy", "start", "update", "oom"}}};
  watch_options.since = docker::sinceFromNanos(nowMs() * 1000000);
  // Reconnect fast: a refused connect on a local socket costs microseconds, and the outage's end is measured
  // from the moment the daemon answers.
  watch_options.initial_backoff = std::chrono::milliseconds(100);
  watch_options.max_backoff = std::chrono::milliseconds(500);
  auto marker = [](const char* action, const std::string& why) {
    docker::Event e;
    e.type = kStreamMarker;
    e.action = action;
    e.time_nano = nowMs() * 1000000;
    e.attributes["why"] = why;
    return e;
  };
  docker::EventWatcher watcher(
      (*client)->endpoint(), {}, watch_options,
      {.on_event = [&](const docker::Event& e) { queue.push(e); },
       .on_connected = [&](bool resumed) { if (resumed) queue.push(marker("back", "")); },
       .on_disconnected = [&](const Error& error) { queue.push(marker("lost", error.describe())); }});
  std::thread events([&] { watcher.run(g_stop); });

  std::int64_t last_tick = nowMs();
  std::int64_t last_sample = 0;
  while (!g_stop.load()) {
    for (const auto& e : queue.take(std::chrono::milliseconds(250))) {
      if (e.type == kStreamMarker) {
        if (e.action == "lost") guard.streamLost(e.time_nano / 1000000, e.attributes.at("why"));
        if (e.action == "back") guard.streamBack(e.time_nano / 1000000);
        continue;
      }
      // start/update change what the sampler tracks; the rest is the healer's.
      if (e.action == "start") {
        sampler.markDirty();
        continue;
      }
      if (e.action == "update") {
        sampler.markChanged(e.actor_id);
        continue;
      }
      if (e.action == "oom") {
        auto name = e.attributes.find("name");
        resource_guard.onOomEvent(e.actor_id, name != e.attributes.end() ? name->second : e.actor_id.substr(0, 12),
                                  e.time_nano / 1000000);
        continue;
      }
      if (e.action == "die") sampler.markDirty();
      for (const auto& d : healer.onEvent(e, nowMs())) engine.apply(d);
    }
    std::shared_ptr<const resources::Snapshot> snapshot;
    if (!guard.down() && nowMs() - last_sample >= interval.count()) {
      last_sample = nowMs();
      auto s = std::make_shared<resources::Snapshot>(sampler.sample());
      resource_guard.observe(*s);
      snapshot = std::move(s);
    }
    if (nowMs() - last_tick >= 1000) {
      last_tick = nowMs();
      if (log_watch) log_watch->poll();
      guard.tick();
      if (!data_root.empty() && last_tick - last_disk_check >= 10000) {
        last_disk_check = last_tick;
        disk.check(data_root);
      }
      if (!guard.down()) {
        for (const auto& d : healer.tick(last_tick)) engine.apply(d);
      }
    }
    const auto& hc = engine.counters();
    const auto& rc = resource_guard.counters();
    status.daemon_up = !guard.down();
    status.daemon_ping_ms = guard.lastPingMs();
    status.restarts = hc.restarts.load();
    status.crash_loops = hc.crash_loops.load();
    status.incidents_opened = opened_total.load();
    status.incidents_resolved = resolved_total.load();
    status.starvation_detections = rc.detections;
    status.limits_applied = rc.limits_applied;
    status.limits_failed = rc.limits_failed;
    status.open_incidents = open_incidents.load();
    if (alerter) {
      status.alerts_sent = alerter->counters().sent.load();
      status.alerts_failed = alerter->counters().failed.load();
      status.alerts_suppressed = alerter->counters().deduplicated.load() + alerter->counters().rate_limited.load();
    }
    status.last_loop_ms = nowMs();
    published.set(std::move(snapshot), status);
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
