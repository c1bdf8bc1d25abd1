#include "heal/heal_engine.h"

#include "common/format.h"
#include "common/log.h"

namespace shipshape::heal {

HealEngine::HealEngine(docker::Client& client, store::IncidentStore& store, Healer& healer, Clock clock)
    : client_(client), store_(store), healer_(healer), clock_(std::move(clock)) {}

HealEngine::~HealEngine() {
  std::map<std::uint64_t, std::thread> workers;
  {
    std::lock_guard lock(mu_);
    workers.swap(workers_);
  }
  for (auto& [id, t] : workers) t.join();
}

void HealEngine::reapFinishedWorkers() {
  std::vector<std::thread> done;
  {
    std::lock_guard lock(mu_);
    for (auto id : finished_) {
      auto it = workers_.find(id);
      if (it == workers_.end()) continue;
      done.push_back(std::move(it->second));
      workers_.erase(it);
    }
    finished_.clear();
  }
  for (auto& t : done) t.join();  // they have returned: this does not wait
}

void HealEngine::apply(const Decision& d) {
  reapFinishedWorkers();
  switch (d.kind) {
    case Decision::Kind::kRestart: restart(d); break;
    case Decision::Kind::kSkipProtected: recordSkip(d, "not restarted: labelled shipshape.protect=true"); break;
    case Decision::Kind::kSkipCrashLoop: recordSkip(d, "not restarted: " + d.detail); break;
    case Decision::Kind::kCrashLoop: openCrashLoop(d); break;
    case Decision::Kind::kRecovered: resolveOpen("unhealthy", d, "healthy again"); break;
    case Decision::Kind::kCrashLoopOver: resolveOpen("crash-loop", d, "stable: " + d.detail); break;
    case Decision::Kind::kGone:
      resolveOpen("unhealthy", d, "container removed");
      resolveOpen("crash-loop", d, "container removed");
      break;
  }
}

void HealEngine::restart(const Decision& d) {
  std::int64_t detected = clock_();
  // Read the stop timeout, and when the failing streak began, before acting: the daemon declares a container
  // unhealthy only after `retries` failed probes, so the outage started at the first of them.
  auto inspected = client_.inspectContainer(d.container_id);
  int stop_timeout = inspected && inspected->config.stop_timeout ? *inspected->config.stop_timeout : 10;
  std::int64_t started = d.event_ms;
  std::string failing = d.detail;
  if (inspected && inspected->state.health) {
    const auto& h = *inspected->state.health;
    if (std::int64_t since = parseRfc3339Ms(h.failing_since); since > 0 && since < started) started = since;
    failing = std::to_string(h.failing_streak) + " failed health checks in a row";
    if (!h.last_output.empty()) failing += ", last: " + h.last_output.substr(0, 200);
    while (!failing.empty() && (failing.back() == '\n' || failing.back() == ' ')) failing.pop_back();
  }

  auto open = store_.findOpen("unhealthy", d.name);
  std::int64_t incident_id = 0;
  if (open && *open) {
    incident_id = (*open)->id;  // still unhealthy after an earlier restart: same incident, another action
  } else {
    store::Incident incident;
    incident.kind = "unhealthy";
    incident.subject = d.name;
    incident.subject_id = d.container_id;
    incident.situation = "container " + d.name + " (" + shortId(d.container_id) + ") reported unhealthy: " + failing;
    incident.task = "restore " + d.name + " to a healthy state without manual intervention";
    incident.started_at_ms = started;
    incident.detected_at_ms = detected;
    auto id = store_.openIncident(incident);
    if (!id) {
      SHIPSHAPE_LOG(heal, error, "[ctr={}] cannot record incident: {}", d.name, id.error().describe());
    } else {
      incident_id = *id;
      counters_.incidents_opened++;
    }
  }
  if (!inspected) {
    store::Action action{clock_(), "restart", "could not restart " + d.name, inspected.error().describe(), true, 0};
    if (incident_id) (void)store_.addAction(incident_id, action);
    counters_.restart_failures++;
    return;
  }
  {
    std::lock_guard lock(mu_);
    if (!restarting_.insert(d.container_id).second) return;  // a restart is already on its way
  }
  healer_.noteRestart(d.container_id, clock_(), stop_timeout);
  std::lock_guard lock(mu_);
  std::uint64_t worker = next_worker_++;
  workers_.emplace(worker, std::thread([this, d, incident_id, stop_timeout, worker] {
                     restartOnWorker(d, incident_id, stop_timeout, worker);
                   }));
}

void HealEngine::restartOnWorker(Decision d, std::int64_t incident_id, int stop_timeout, std::uint64_t worker) {
  // A connection of its own (the Client is not shared between threads), already knowing the API version.
  docker::ClientOptions options;
  if (auto v = client_.knownApiVersion()) options.pinned_version = *v;
  docker::Client client(client_.endpoint(), options);
  std::int64_t start = clock_();
  auto restarted = client.restartContainer(d.container_id, stop_timeout);
  std::int64_t took = clock_() - start;
  store::Action action;
  action.at_ms = start;
  action.kind = "restart";
  action.description = "restarted " + d.name + " through the Engine API (stop timeout " +
                       std::to_string(stop_timeout) + " s)";
  action.duration_ms = took;
  if (restarted) {
    action.outcome = "ok";
    counters_.restarts++;
    SHIPSHAPE_LOG(heal, warn, "[ctr={} id={}] unhealthy: restarted in {} ms", d.name, shortId(d.container_id), took);
  } else {
    action.outcome = restarted.error().describe();
    counters_.restart_failures++;
    SHIPSHAPE_LOG(heal, error, "[ctr={} id={}] restart failed: {}", d.name, shortId(d.container_id), action.outcome);
  }
  if (incident_id) {
    auto added = store_.addAction(incident_id, action);
    if (!added) SHIPSHAPE_LOG(heal, error, "[ctr={}] cannot record action: {}", d.name, added.error().describe());
  }
  std::lock_guard lock(mu_);
  restarting_.erase(d.container_id);
  finished_.push_back(worker);
}

void HealEngine::recordSkip(const Decision& d, const std::string& why) {
  auto open = store_.findOpen("unhealthy", d.name);
  if (open && *open) return;  // already on record
  store::Incident incident;
  incident.kind = "unhealthy";
  incident.subject = d.name;
  incident.subject_id = d.container_id;
  incident.situation = "container " + d.name + " (" + shortId(d.container_id) + ") reported unhealthy";
  incident.task = "restore " + d.name + " to a healthy state";
  incident.started_at_ms = d.event_ms;
  incident.detected_at_ms = clock_();
  incident.actions.push_back({incident.detected_at_ms, "skip", why, "needs a person", true, 0});
  if (auto opened = store_.openIncident(incident)) {
    counters_.incidents_opened++;
  } else {
    SHIPSHAPE_LOG(heal, error, "[ctr={}] cannot record the incident: {}", d.name, opened.error().describe());
  }
  SHIPSHAPE_LOG(heal, warn, "[ctr={} id={}] unhealthy, {}", d.name, shortId(d.container_id), why);
}

void HealEngine::openCrashLoop(const Decision& d) {
  counters_.crash_loops++;
  store::Incident incident;
  incident.kind = "crash-loop";
  incident.subject = d.name;
  incident.subject_id = d.container_id;
  incident.situation = "container " + d.name + " (" + shortId(d.container_id) + ") " + d.detail;
  incident.task = "stop restarting a container that cannot stay up, and get a person to look at it";
  incident.started_at_ms = d.started_ms ? d.started_ms : d.event_ms;
  incident.detected_at_ms = clock_();
  incident.actions.push_back({incident.detected_at_ms, "skip", "automatic restarts of " + d.name + " suspended",
                              "needs a person", true, 0});
  if (auto opened = store_.openIncident(incident)) {
    counters_.incidents_opened++;
  } else {
    SHIPSHAPE_LOG(heal, error, "[ctr={}] cannot record the crash loop: {}", d.name, opened.error().describe());
  }
  SHIPSHAPE_LOG(heal, error, "[ctr={} id={}] crash loop: {}", d.name, shortId(d.container_id), d.detail);
}

void HealEngine::resolveOpen(const std::string& kind, const Decision& d, const std::string& result) {
  auto open = store_.findOpen(kind, d.name);
  if (!open || !*open) return;
  if (store_.resolve((*open)->id, d.event_ms, result)) counters_.incidents_resolved++;
  SHIPSHAPE_LOG(heal, warn, "[ctr={}] {} incident {} resolved: {}", d.name, kind, (*open)->id, result);
}

}  // namespace shipshape::heal
