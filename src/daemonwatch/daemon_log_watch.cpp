#include "daemonwatch/daemon_log_watch.h"

#include "common/log.h"

namespace shipshape::daemonwatch {

DaemonLogWatch::DaemonLogWatch(std::unique_ptr<LogSource> source, store::IncidentStore& store, Clock clock,
                               std::chrono::milliseconds quiet)
    : source_(std::move(source)), store_(store), clock_(std::move(clock)), quiet_(quiet) {}

void DaemonLogWatch::poll() {
  std::int64_t now = clock_();
  for (const auto& line : source_->poll()) {
    if (const LogSignature* s = matchLogLine(line)) onHit(*s, line, now);
  }
  for (auto& [id, st] : state_) {
    if (st.incident_id > 0 && now - st.last_match_ms >= quiet_.count()) {
      auto resolved = store_.resolve(st.incident_id, now,
                                     "no new occurrence for " + std::to_string(quiet_.count() / 60000) + " min (" +
                                         std::to_string(st.matches) + " in all)");
      if (!resolved) SHIPSHAPE_LOG(heal, error, "[daemon] cannot close log incident: {}", resolved.error().describe());
      st.incident_id = 0;
      st.matches = 0;
    }
  }
}

std::optional<LogHit> DaemonLogWatch::recentHit(std::chrono::milliseconds window) const {
  if (last_hit_ && clock_() - last_hit_->at_ms <= window.count()) return last_hit_;
  return std::nullopt;
}

void DaemonLogWatch::onHit(const LogSignature& s, const std::string& line, std::int64_t now) {
  SignatureState& st = state_[s.id];
  last_hit_ = LogHit{&s, line, now};
  st.last_match_ms = now;
  ++st.matches;
  st.recent.push_back(now);
  while (!st.recent.empty() && st.recent.front() < now - 60000) st.recent.pop_front();
  if (st.incident_id > 0 || static_cast<int>(st.recent.size()) < s.burst) return;
  store::Incident incident;
  incident.kind = "daemon-" + std::string(s.id);
  incident.subject = "daemon";
  incident.subject_id = source_->describe();
  std::string excerpt = line.size() > 400 ? line.substr(0, 400) + "…" : line;
  incident.situation = "the daemon's log (" + source_->describe() + ") shows a known failure: " + excerpt;
  incident.task = std::string(s.diagnosis) + "; " + (s.permanent ? "it does not clear by itself" : "it may clear");
  incident.started_at_ms = st.recent.front();
  incident.detected_at_ms = now;
  incident.actions.push_back(
      {now, "diagnose", std::string(s.diagnosis), "runbook: " + std::string(s.runbook), true, 0});
  auto id = store_.openIncident(incident);
  if (id) st.incident_id = *id;
  SHIPSHAPE_LOG(heal, error, "[daemon] log signature {}: {}", s.id, s.diagnosis);
}

}  // namespace shipshape::daemonwatch
