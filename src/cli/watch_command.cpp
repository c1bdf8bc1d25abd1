// shipshape watch: the guardian's main loop. It heals (event-driven restarts of unhealthy containers,
// crash-loop detection, start-up reconcile), guards resources, carries daemon outages through (drain/undrain
// hooks, the downtime measured), hosts the deploy proxy, backs up labelled volumes on their schedules (and
// test-restores them), keeps the anonymous volume of a removed database (data-at-risk) and serves /metrics; every
// incident is recorded with its times. It runs until SIGTERM or SIGINT and then stops within about a second.
//
// Lifetimes: one owner, `Guardian`, whose members are declared in start-up order, so they are destroyed in
// the reverse order. The incident store's listener (alerts, counters) is installed before anything else uses
// the store, and what it captures is declared before every part that opens or resolves incidents (the proxy
// host's bake threads among them), so it outlives them all.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/watch_config.h"
#include "cli/watch_settings.h"
#include "common/file.h"
#include "common/format.h"
#include "common/log.h"
#include "daemonwatch/daemon_guard.h"
#include "daemonwatch/daemon_log_watch.h"
#include "daemonwatch/disk_watch.h"
#include "daemonwatch/swarm_drain.h"
#include "dashboard/dashboard.h"
#include "dashboard/host_history.h"
#include "dashboard/slow_sources.h"
#include "deploy/proxy_host.h"
#include "docker/event_watcher.h"
#include "guard/resource_guard.h"
#include "heal/heal_engine.h"
#include "heal/healer.h"
#include "notify/webhook.h"
#include "registry/registry_watch.h"
#include "resources/sampler.h"
#include "serve/http_server.h"
#include "serve/metrics.h"
#include "store/incident_store.h"
#include "store/release_store.h"
#include "volumes/backup_scheduler.h"
#include "volumes/data_at_risk.h"

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

class Guardian {
 public:
  Guardian(const GlobalOptions& global, const WatchOptions& options, WatchSettings settings)
      : global_(global), options_(options), settings_(std::move(settings)) {}
  ~Guardian() {
    // Members go in reverse declaration order; the event thread is the one thing that must be stopped first.
    if (events_.joinable()) events_.join();
  }
  Guardian(const Guardian&) = delete;
  Guardian& operator=(const Guardian&) = delete;

  // The start-up steps, in order; each fails with the error to print.
  Result<void> start() {
    if (auto ok = openState(); !ok) return ok;
    installAlerts();
    if (auto ok = connectEngine(); !ok) return ok;
    hostProxy();
    startGuards();
    if (auto ok = startEndpoints(); !ok) return ok;
    if (auto ok = watchDaemon(); !ok) return ok;
    startEvents();
    return {};
  }
  void run();
  void printSummary() const;

 private:
  Result<void> openState() {
    auto store = store::IncidentStore::open(settings_.state_dir);
    if (!store) return fail(store.error());
    store_ = std::move(*store);
    return {};
  }

  // Alerts and the open-incident count follow every incident, whichever part of the guardian opened it. The
  // listener goes in before the store is shared with any other thread (its contract).
  void installAlerts() {
    if (!settings_.webhook.url.empty()) alerter_ = std::make_unique<notify::WebhookAlerter>(settings_.webhook);
    if (auto all = store_->list()) {
      for (const auto& i : *all) open_incidents_ += i.resolved_at_ms ? 0 : 1;
    }
    store_->setListener([this](const store::Incident& incident, bool resolved) {
      open_incidents_ += resolved ? -1 : 1;
      ++(resolved ? resolved_total_ : opened_total_);
      if (alerter_) alerter_->incident(incident, resolved);
    });
  }

  Result<void> connectEngine() {
    auto client = makeClient(global_);
    if (!client) return fail(client.error());
    client_ = std::move(*client);
    if (auto v = client_->apiVersion(); !v) {
      // A daemon that is down when the guardian starts is an outage to carry through, not a reason to quit.
      if (v.error().code != ErrorCode::kUnreachable && v.error().code != ErrorCode::kTimeout) return fail(v.error());
      SHIPSHAPE_LOG(heal, warn, "[daemon] not answering at start-up: {}", v.error().describe());
    }
    return {};
  }

  // The deploy proxy lives here unless told otherwise (or another process already hosts it for this state dir).
  void hostProxy() {
    if (options_.no_proxy) return;
    auto releases = store::ReleaseStore::open(settings_.state_dir);
    if (!releases) {
      SHIPSHAPE_LOG(proxy, warn, "not hosting the deploy proxy: {}", releases.error().describe());
      return;
    }
    release_store_ = std::move(*releases);
    auto hosted = deploy::ProxyHost::start({.state_dir = settings_.state_dir, .docker_host = global_.host},
                                           *release_store_, *store_);
    if (hosted) {
      proxy_host_ = std::move(*hosted);
    } else {
      SHIPSHAPE_LOG(proxy, warn, "not hosting the deploy proxy: {}", hosted.error().describe());
    }
  }

  void startGuards() {
    healer_ = std::make_unique<heal::Healer>(settings_.heal);
    engine_ = std::make_unique<heal::HealEngine>(*client_, *store_, *healer_, nowMs);
    bool local_engine = client_->endpoint().kind == docker::Endpoint::Kind::kUnix;
    sampler_ = std::make_unique<resources::Sampler>(
        *client_, resources::SamplerOptions{.host = resources::HostPaths::detect(settings_.host_root),
                                            .host_is_engine = local_engine});
    resource_guard_ = std::make_unique<guard::ResourceGuard>(
        *client_, *store_, settings_.resources, nowMs, [this](const std::string& id) { sampler_->markChanged(id); });
    backups_ = std::make_unique<volumes::BackupScheduler>(client_->endpoint(), *store_, settings_.backups, nowMs);
    data_at_risk_ = std::make_unique<volumes::DataAtRiskWatch>(*client_, *store_, settings_.backups.backup_dir, nowMs);
    if (settings_.registries.enabled) {
      registries_ = std::make_unique<registry::RegistryWatch>(*store_, settings_.registries, nowMs);
    }
  }

  Result<void> startEndpoints() {
    if (settings_.listen.empty()) return {};
    serve::ServerOptions so{.listen = settings_.listen, .token = settings_.listen_token};
    std::int64_t stall_ms = std::max<std::int64_t>(10000, 5 * settings_.interval.count());
    so.routes["/metrics"] = [this](const serve::HttpRequest&) {
      auto [snap, st] = published_.get();
      std::string body = serve::renderMetrics(*snap, st);
      if (proxy_host_) body += proxy_host_->metrics();
      body += backups_->metrics();
      if (registries_) body += registries_->metrics();
      return serve::HttpReply{.content_type = "text/plain; version=0.0.4; charset=utf-8", .body = body};
    };
    so.routes["/healthz"] = [this, stall_ms](const serve::HttpRequest&) {
      auto [snap, st] = published_.get();
      bool healthy = false;
      std::string body = serve::renderHealthz(*snap, st, nowMs(), stall_ms, &healthy);
      return serve::HttpReply{.status = healthy ? 200 : 503, .content_type = "application/json", .body = body};
    };
    // The dashboard: its slow sources get a worker and an engine connection of their own.
    slow_ = std::make_unique<dashboard::SlowSources>(
        dashboard::SlowSourcesOptions{.endpoint = client_->endpoint(), .backup_dir = settings_.backups.backup_dir},
        nowMs);
    dashboard::installDashboard(so, {.incidents = store_.get(),
                                     .releases = release_store_.get(),
                                     .slow = slow_.get(),
                                     .history = &history_,
                                     .status = [this] { return statusJson(); },
                                     .incidents_version = [this] { return store_->changes(); }});
    auto started = serve::HttpServer::start(std::move(so));
    if (!started) return fail(started.error());
    server_ = std::move(*started);
    return {};
  }

  std::string statusJson() {
    auto [snap, st] = published_.get();
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    return nlohmann::json{{"hostname", host},
                          {"version", st.version},
                          {"engine", client_->endpoint().display()},
                          {"daemon_up", st.daemon_up},
                          {"open_incidents", st.open_incidents},
                          {"started_at_ms", st.started_at_ms},
                          {"last_loop_ms", st.last_loop_ms},
                          {"interval_ms", settings_.interval.count()},
                          {"containers", snap->containers.size()}}
        .dump();
  }

  // Containers that are already unhealthy, and what stateful containers mount: at start-up, and again after
  // every daemon outage.
  void reconcile() {
    data_at_risk_->refresh();
    if (auto sick = client_->listContainers({.all = false, .filters = {{"health", {"unhealthy"}}}})) {
      for (const auto& c : *sick) {
        for (const auto& d : healer_->onAlreadyUnhealthy(c.id, c.name, c.labels, nowMs())) engine_->apply(d);
      }
    }
  }

  Result<void> watchDaemon() {
    reconcile();
    if (!options_.daemon_log.empty()) {
      auto source = daemonwatch::openLogSource(options_.daemon_log);
      if (!source) return fail(source.error());
      log_watch_ = std::make_unique<daemonwatch::DaemonLogWatch>(std::move(*source), *store_, nowMs);
    }
    // In a Swarm (or when the config names a node), the node is drained while the engine is down.
    const auto& config = settings_.config;
    daemonwatch::DaemonGuardOptions guard_options = settings_.guard;
    auto candidate = std::make_unique<daemonwatch::SwarmDrain>(
        *client_, daemonwatch::SwarmDrainOptions{config.swarm_node, config.swarm_managers});
    if (candidate->learn() || config.swarm_configured) {
      swarm_ = std::move(candidate);
      guard_options.swarm = swarm_.get();
      SHIPSHAPE_LOG(heal, info, "[swarm] node {} is drained during engine outages",
                    swarm_->node().empty() ? "(unknown)" : swarm_->node());
    }
    daemon_guard_ = std::make_unique<daemonwatch::DaemonGuard>(
        *client_, *store_, guard_options, nowMs, [this] { reconcile(); }, log_watch_.get());
    // The daemon's own view: its warnings once, then its data-root's space and inodes every 10 s (local engine).
    if (auto info = client_->info()) {
      for (const auto& w : info->warnings) SHIPSHAPE_LOG(heal, warn, "[daemon] {}", w);
      if (client_->endpoint().kind == docker::Endpoint::Kind::kUnix) data_root_ = info->docker_root_dir;
    }
    disk_ = std::make_unique<daemonwatch::DiskWatch>(*store_, nowMs, options_.disk_threshold_percent / 100.0);
    return {};
  }

  void startEvents() {
    docker::EventWatcherOptions watch_options;
    // Only what the healer and the data-at-risk watch read: health probes alone produce exec events every few seconds
    // per container.
    watch_options.filters = {{"type", {"container"}},
                             {"event", {"health_status", "create", "die", "destroy", "start", "update", "oom"}}};
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
    watcher_ = std::make_unique<docker::EventWatcher>(
        client_->endpoint(), docker::ClientOptions{}, watch_options,
        docker::EventWatcherCallbacks{
            .on_event = [this](const docker::Event& e) { queue_.push(e); },
            .on_connected =
                [this, marker](bool resumed) {
                  // Tests (and operators) wait for this line rather than guessing when the stream is live.
                  SHIPSHAPE_LOG(heal, info, "[events] subscribed to the engine's event stream");
                  if (resumed) queue_.push(marker("back", ""));
                },
            .on_disconnected = [this, marker](const Error& error) { queue_.push(marker("lost", error.describe())); }});
    events_ = std::thread([this] { watcher_->run(g_stop); });
  }

  void handle(const docker::Event& e);
  void publish(std::shared_ptr<const resources::Snapshot> snapshot);

  // Declared in start-up order: destroyed in reverse.
  const GlobalOptions& global_;
  const WatchOptions& options_;
  WatchSettings settings_;
  std::unique_ptr<store::IncidentStore> store_;
  std::unique_ptr<notify::WebhookAlerter> alerter_;
  std::atomic<std::int64_t> open_incidents_{0};
  std::atomic<std::uint64_t> opened_total_{0}, resolved_total_{0};
  std::unique_ptr<docker::Client> client_;
  std::unique_ptr<store::ReleaseStore> release_store_;
  std::unique_ptr<deploy::ProxyHost> proxy_host_;
  std::unique_ptr<heal::Healer> healer_;
  std::unique_ptr<heal::HealEngine> engine_;
  std::unique_ptr<resources::Sampler> sampler_;
  std::unique_ptr<guard::ResourceGuard> resource_guard_;
  std::unique_ptr<volumes::BackupScheduler> backups_;  // its worker joins (cancelling a running copy) first
  std::unique_ptr<volumes::DataAtRiskWatch> data_at_risk_;
  std::unique_ptr<registry::RegistryWatch> registries_;  // its worker joins (a check ends within its timeout) first
  Published published_;
  dashboard::HostHistory history_;
  std::unique_ptr<dashboard::SlowSources> slow_;  // its worker joins after the server that reads it has stopped
  serve::GuardianStatus status_{.started_at_ms = nowMs(), .version = SHIPSHAPE_VERSION};
  std::unique_ptr<serve::HttpServer> server_;
  std::unique_ptr<daemonwatch::DaemonLogWatch> log_watch_;
  std::unique_ptr<daemonwatch::SwarmDrain> swarm_;
  std::unique_ptr<daemonwatch::DaemonGuard> daemon_guard_;
  std::string data_root_;
  std::unique_ptr<daemonwatch::DiskWatch> disk_;
  EventQueue queue_;
  std::unique_ptr<docker::EventWatcher> watcher_;
  std::thread events_;  // joined first, in the destructor
};

void Guardian::handle(const docker::Event& e) {
  if (e.type == kStreamMarker) {
    if (e.action == "lost") daemon_guard_->streamLost(e.time_nano / 1000000, e.attributes.at("why"));
    if (e.action == "back") daemon_guard_->streamBack(e.time_nano / 1000000);
    return;
  }
  // create/destroy are the data-at-risk watch's (destroy the healer's too); start/update change what the
  // sampler tracks; the rest is the healer's.
  if (e.action == "create") {
    data_at_risk_->onCreate(e.actor_id);
    return;
  }
  if (e.action == "destroy") data_at_risk_->onDestroy(e.actor_id, e.time_nano / 1000000);
  if (e.action == "start") {
    sampler_->markDirty();
    return;
  }
  if (e.action == "update") {
    sampler_->markChanged(e.actor_id);
    return;
  }
  if (e.action == "oom") {
    auto name = e.attributes.find("name");
    resource_guard_->onOomEvent(e.actor_id, name != e.attributes.end() ? name->second : e.actor_id.substr(0, 12),
                                e.time_nano / 1000000);
    return;
  }
  if (e.action == "die") sampler_->markDirty();
  for (const auto& d : healer_->onEvent(e, nowMs())) engine_->apply(d);
}

void Guardian::publish(std::shared_ptr<const resources::Snapshot> snapshot) {
  const auto& hc = engine_->counters();
  const auto& rc = resource_guard_->counters();
  status_.daemon_up = !daemon_guard_->down();
  status_.daemon_ping_ms = daemon_guard_->lastPingMs();
  status_.restarts = hc.restarts.load();
  status_.crash_loops = hc.crash_loops.load();
  status_.incidents_opened = opened_total_.load();
  status_.incidents_resolved = resolved_total_.load();
  status_.starvation_detections = rc.detections;
  status_.limits_applied = rc.limits_applied;
  status_.limits_failed = rc.limits_failed;
  status_.open_incidents = open_incidents_.load();
  if (alerter_) {
    status_.alerts_sent = alerter_->counters().sent.load();
    status_.alerts_failed = alerter_->counters().failed.load();
    status_.alerts_suppressed = alerter_->counters().deduplicated.load() + alerter_->counters().rate_limited.load();
  }
  status_.last_loop_ms = nowMs();
  if (snapshot) history_.add(*snapshot);
  published_.set(std::move(snapshot), status_);
}

void Guardian::run() {
  std::fprintf(
      stderr, "shipshape watch: engine %s, autoheal %s, policy %s, state %s%s\n", client_->endpoint().display().c_str(),
      settings_.autoheal.c_str(), settings_.policy.c_str(), store_->path().c_str(),
      server_
          ? (", dashboard on http://" + server_->address() + "/, metrics on http://" + server_->address() + "/metrics")
                .c_str()
          : "");
  const auto interval = settings_.interval;
  std::int64_t last_tick = nowMs(), last_sample = 0, last_disk_check = 0;
  while (!g_stop.load()) {
    for (const auto& e : queue_.take(std::chrono::milliseconds(250))) handle(e);
    std::shared_ptr<const resources::Snapshot> snapshot;
    if (!daemon_guard_->down() && nowMs() - last_sample >= interval.count()) {
      last_sample = nowMs();
      auto s = std::make_shared<resources::Snapshot>(sampler_->sample());
      resource_guard_->observe(*s);
      snapshot = std::move(s);
    }
    if (nowMs() - last_tick >= 1000) {
      last_tick = nowMs();
      if (log_watch_) log_watch_->poll();
      daemon_guard_->tick();
      if (!data_root_.empty() && last_tick - last_disk_check >= 10000) {
        last_disk_check = last_tick;
        disk_->check(data_root_);
      }
      if (!daemon_guard_->down()) {
        for (const auto& d : healer_->tick(last_tick)) engine_->apply(d);
        backups_->tick(*client_);
      }
    }
    publish(std::move(snapshot));
  }
}

void Guardian::printSummary() const {
  const auto& c = engine_->counters();
  std::fprintf(
      stderr, "shipshape watch: stopped (%llu restarts, %llu crash loops, %llu incidents opened, %llu resolved)\n",
      static_cast<unsigned long long>(c.restarts.load()), static_cast<unsigned long long>(c.crash_loops.load()),
      static_cast<unsigned long long>(c.incidents_opened.load()),
      static_cast<unsigned long long>(c.incidents_resolved.load()));
}

}  // namespace

ExitCode runWatch(const GlobalOptions& global, const WatchOptions& options) {
  auto settings = resolveWatchSettings(options);
  if (!settings) {
    printError(settings.error());
    return ExitCode::kError;
  }
  struct sigaction sa {};
  sa.sa_handler = onSignal;
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);

  Guardian guardian(global, options, std::move(*settings));
  if (auto started = guardian.start(); !started) {
    printError(started.error());
    g_stop.store(true);  // nothing started the event thread, but be explicit
    return ExitCode::kError;
  }
  guardian.run();
  guardian.printSummary();
  return ExitCode::kOk;
}

}  // namespace shipshape::cli
