#include "daemonwatch/daemon_guard.h"

#include "common/log.h"
#include "common/process.h"
#include "daemonwatch/swarm_drain.h"

namespace shipshape::daemonwatch {

DaemonGuard::DaemonGuard(docker::Client& client, store::IncidentStore& store, DaemonGuardOptions options, Clock clock,
                         Reconcile reconcile, DaemonLogWatch* log_watch)
    : client_(client),
      store_(store),
      options_(std::move(options)),
      clock_(std::move(clock)),
      reconcile_(std::move(reconcile)),
      log_watch_(log_watch) {
  hook_thread_ = std::thread([this] { hookLoop(); });
}

DaemonGuard::~DaemonGuard() {
  {
    std::lock_guard lock(hooks_mu_);
    hooks_stopping_ = true;
  }
  hooks_cv_.notify_all();
  hook_thread_.join();
}

void DaemonGuard::record(std::int64_t incident_id, const store::Action& action) {
  if (incident_id <= 0) return;
  if (auto added = store_.addAction(incident_id, action); !added) {
    SHIPSHAPE_LOG(heal, error, "[daemon] cannot record the {} action: {}", action.kind, added.error().describe());
  }
}

void DaemonGuard::streamLost(std::int64_t at_ms, const std::string& why) {
  if (lost_at_ms_ == 0) lost_at_ms_ = at_ms;
  if (down()) return;
  // A broken stream alone may be a hiccup; the daemon is down when it does not answer either.
  auto pong = client_.ping();
  if (!pong) markDown(lost_at_ms_, why + "; " + pong.error().describe());
}

void DaemonGuard::streamBack(std::int64_t at_ms) {
  lost_at_ms_ = 0;
  if (down()) markUp(at_ms);
}

void DaemonGuard::tick() {
  auto pong = client_.ping();
  if (pong) {
    last_ping_ms_ = pong->latency_ms;
    failed_pings_ = 0;
    // The stream comes back on its own; an answering ping alone is enough to call the outage over.
    if (down()) markUp(clock_());
    return;
  }
  ++failed_pings_;
  if (!down() && (lost_at_ms_ != 0 || failed_pings_ >= options_.failed_pings_for_down)) {
    markDown(lost_at_ms_ ? lost_at_ms_ : clock_(), pong.error().describe());
  }
}

void DaemonGuard::markDown(std::int64_t since_ms, const std::string& why) {
  store::Incident incident;
  incident.kind = "daemon-down";
  incident.subject = "daemon";
  incident.subject_id = client_.endpoint().display();
  incident.situation = "the Docker daemon at " + client_.endpoint().display() + " stopped answering: " + why;
  incident.task =
      "keep traffic away from this host while its engine is down, and bring it back into service "
      "as soon as the engine answers";
  incident.started_at_ms = since_ms;
  incident.detected_at_ms = clock_();
  auto id = store_.openIncident(incident);
  if (!id) {
    SHIPSHAPE_LOG(heal, error, "[daemon] cannot record the outage: {}", id.error().describe());
    incident_id_ = -1;  // still down; remember that, even unrecorded
  } else {
    incident_id_ = *id;
  }
  SHIPSHAPE_LOG(heal, error, "[daemon] down since {} ms ago: {}", incident.detected_at_ms - since_ms, why);
  // What the daemon's log said just before it went away is the best diagnosis there is.
  if (log_watch_ && incident_id_ > 0) {
    log_watch_->poll();
    if (auto hit = log_watch_->recentHit(std::chrono::minutes(2))) {
      record(incident_id_,
             {clock_(), "diagnose",
              "daemon log: " + std::string(hit->signature->id) + ": " + std::string(hit->signature->diagnosis),
              "runbook: " + std::string(hit->signature->runbook), true, 0});
    }
  }
  queueHooks(options_.drain_hooks, "drain");
  if (options_.swarm) record(incident_id_, options_.swarm->drain());
}

void DaemonGuard::markUp(std::int64_t at_ms) {
  std::int64_t id = incident_id_;
  queueHooks(options_.undrain_hooks, "undrain");
  if (options_.swarm) record(id, options_.swarm->undrain());
  if (reconcile_) reconcile_();
  if (id > 0) {
    record(id, {clock_(), "reconcile", "re-read unhealthy containers after the outage", "ok", true, 0});
    auto resolved = store_.resolve(id, at_ms, "the engine answers again");
    if (!resolved) SHIPSHAPE_LOG(heal, error, "[daemon] cannot close the outage: {}", resolved.error().describe());
  }
  incident_id_ = 0;
  failed_pings_ = 0;
  lost_at_ms_ = 0;
  SHIPSHAPE_LOG(heal, warn, "[daemon] answering again");
}

void DaemonGuard::queueHooks(const std::vector<std::vector<std::string>>& hooks, const char* kind) {
  if (hooks.empty()) return;
  {
    std::lock_guard lock(hooks_mu_);
    hook_jobs_.push_back({&hooks, kind, incident_id_, client_.endpoint().display()});
  }
  hooks_cv_.notify_one();
}

void DaemonGuard::hookLoop() {
  for (;;) {
    HookJob job;
    {
      std::unique_lock lock(hooks_mu_);
      hooks_cv_.wait(lock, [&] { return hooks_stopping_ || !hook_jobs_.empty(); });
      if (hook_jobs_.empty()) return;  // stopping, and nothing left to run
      job = hook_jobs_.front();
      hook_jobs_.pop_front();
    }
    runHooks(job);
  }
}

void DaemonGuard::runHooks(const HookJob& job) {
  for (const auto& argv : *job.hooks) {
    std::int64_t at = clock_();
    auto result = runCommand(argv,
                             {{"SHIPSHAPE_EVENT", job.kind},
                              {"SHIPSHAPE_INCIDENT_ID", std::to_string(job.incident_id)},
                              {"SHIPSHAPE_SUBJECT", job.subject}},
                             options_.hook_timeout);
    bool ok = result.started && !result.timed_out && result.exit_code == 0;
    std::string outcome = ok ? "ok" : describeCommand(argv, result);
    record(job.incident_id,
           {at, job.kind, job.kind + " hook " + describeCommand(argv, result), outcome, true, result.duration_ms});
    if (!ok) SHIPSHAPE_LOG(heal, error, "[daemon] {} hook failed: {}", job.kind, outcome);
  }
}

}  // namespace shipshape::daemonwatch
