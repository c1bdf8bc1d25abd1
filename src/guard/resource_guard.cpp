#include "guard/resource_guard.h"

#include <set>

#include <fmt/format.h>

#include "common/format.h"
#include "common/log.h"
#include "heal/healer.h"

namespace shipshape::guard {
namespace {

std::string key(const Detection& d) { return std::string(kindName(d.kind)) + "\n" + d.subject; }

const char* taskFor(Detection::Kind kind) {
  switch (kind) {
    case Detection::Kind::kCpuStarvation:
      return "give the host's CPU back to the other containers: cap the container(s) taking most of it";
    case Detection::Kind::kMemoryStarvation:
      return "keep the host out of memory before its OOM killer picks a victim: cap the container(s) growing";
    case Detection::Kind::kOomKill: return "find out whether the container's memory limit is too small or it leaks";
    case Detection::Kind::kCpuThrottled:
      return "give the container enough CPU for its load: its CPU limit is too tight";
  }
  return "";
}

}  // namespace

bool parseResourcePolicy(const std::string& text, ResourcePolicy* out) {
  if (text == "alert")
    *out = ResourcePolicy::kAlert;
  else if (text == "enforce")
    *out = ResourcePolicy::kEnforce;
  else
    return false;
  return true;
}

ResourceGuard::ResourceGuard(docker::Client& client, store::IncidentStore& store, ResourceGuardOptions options,
                             Clock clock, std::function<void(const std::string&)> on_limited)
    : client_(client),
      store_(store),
      options_(std::move(options)),
      clock_(std::move(clock)),
      on_limited_(std::move(on_limited)),
      detector_(options_.starvation) {}

void ResourceGuard::observe(const resources::Snapshot& s) {
  std::set<std::string> alive;
  for (const auto& c : s.containers) {
    alive.insert(c.info->id);
    if (!c.has_rates) continue;
    history_.try_emplace(c.info->id, options_.history_samples).first->second.add(c.cpu_cores, c.raw.memory_working_set);
  }
  std::erase_if(history_, [&](const auto& entry) { return !alive.contains(entry.first); });
  if (!s.containers.empty()) std::erase_if(limited_by_us_, [&](const auto& id) { return !alive.contains(id); });
  for (const auto& d : detector_.observe(s)) {
    if (d.kind == Detection::Kind::kOomKill) {
      // OOM incidents end by time (below): the container may have died of it and left no samples.
      if (d.started) started(d, s);
      continue;
    }
    if (d.started) {
      started(d, s);
    } else {
      ended(d);
    }
  }
  std::int64_t now = clock_();
  for (auto it = last_oom_.begin(); it != last_oom_.end();) {
    if (now - it->second < options_.starvation.window.count()) {
      ++it;
      continue;
    }
    Detection end{.kind = Detection::Kind::kOomKill,
                  .started = false,
                  .subject = it->first.substr(it->first.find('\n') + 1),
                  .at_ms = now};
    end.situation = fmt::format("no further OOM kill for {:.0f} s", options_.starvation.window.count() / 1000.0);
    ended(end);
    it = last_oom_.erase(it);
  }
}

void ResourceGuard::onOomEvent(const std::string& id, const std::string& name, std::int64_t at_ms) {
  Detection d{
      .kind = Detection::Kind::kOomKill, .subject = name, .container_id = id, .since_ms = at_ms, .at_ms = clock_()};
  d.situation = "the engine reported an OOM kill in " + name;
  started(d, resources::Snapshot{});
}

store::Action ResourceGuard::limit(const Offender& o, const resources::Snapshot& s, bool cpu, bool memory) {
  const auto& info = *o.info;
  store::Action a{.at_ms = clock_(), .kind = "limit", .outcome = "ok"};
  if (heal::isProtected(info.labels)) {
    ++counters_.skipped_protected;
    a.kind = "skip";
    a.description = info.name + " is labelled shipshape.protect=true: left untouched";
    return a;
  }
  bool needs_cpu = cpu && !info.hasCpuLimit();
  bool needs_memory = memory && !info.hasMemoryLimit();
  if (!needs_cpu && !needs_memory) {
    a.kind = "none";
    a.description = info.name + " already has " + (cpu ? "a CPU" : "a memory") +
                    " limit; the host is short overall, not because of a missing limit";
    return a;
  }
  auto empty = UsageHistory(1);
  auto it = history_.find(info.id);
  const UsageHistory& history = it != history_.end() ? it->second : empty;
  std::uint64_t in_use = 0;
  for (const auto& c : s.containers) {
    if (c.info->id == info.id) in_use = c.raw.memory_usage;
  }
  auto decision = decideLimits(info, history, in_use, s.cores, needs_cpu, needs_memory, options_.limits);
  if (!decision) {
    a.kind = "alert";
    a.outcome = decision.error().describe();
    a.description = "cannot decide limits for " + info.name;
    return a;
  }
  std::string what = "limit " + info.name + " to " + decision->why;
  if (options_.policy == ResourcePolicy::kAlert) {
    a.kind = "alert";
    a.description = "would " + what + " (policy alert; run with --policy enforce to apply)";
    return a;
  }
  docker::ResourceUpdate update;
  update.nano_cpus = decision->nano_cpus;
  if (decision->memory) {
    update.memory = decision->memory;
    // No swap beyond the limit, or the cap would only move the pressure to the disk.
    update.memory_swap = decision->memory;
  }
  auto started = clock_();
  auto done = client_.updateContainer(info.id, update);
  a.duration_ms = clock_() - started;
  a.description = what;
  if (!done) {
    ++counters_.limits_failed;
    a.outcome = done.error().describe();
    SHIPSHAPE_LOG(heal, error, "[{}] update failed: {}", info.name, a.outcome);
  } else {
    ++counters_.limits_applied;
    limited_by_us_.insert(info.id);
    SHIPSHAPE_LOG(heal, warn, "[{}] {}", info.name, what);
    if (on_limited_) on_limited_(info.id);
  }
  return a;
}

void ResourceGuard::started(const Detection& d, const resources::Snapshot& s) {
  if (d.kind == Detection::Kind::kCpuThrottled && limited_by_us_.contains(d.container_id)) {
    SHIPSHAPE_LOG(heal, info, "[{}] throttled under the limit shipshape gave it (expected)", d.subject);
    return;
  }
  if (d.kind == Detection::Kind::kOomKill) {
    last_oom_[key(d)] = d.at_ms;
    // One incident per OOM episode: later kills (or the event and the sample seeing the same kill) add to it.
    if (auto open = open_.find(key(d)); open != open_.end()) {
      auto added = store_.addAction(open->second,
                                    {.at_ms = d.at_ms, .kind = "observe", .description = d.situation, .outcome = "ok"});
      if (!added)
        SHIPSHAPE_LOG(heal, error, "[{}] cannot record the OOM kill: {}", d.subject, added.error().describe());
      return;
    }
  }
  ++counters_.detections;
  store::Incident incident;
  incident.kind = kindName(d.kind);
  incident.subject = d.subject;
  incident.subject_id = d.container_id;
  incident.situation = d.situation;
  incident.task = taskFor(d.kind);
  incident.started_at_ms = d.since_ms;
  incident.detected_at_ms = d.at_ms;
  bool cpu = d.kind == Detection::Kind::kCpuStarvation;
  bool memory = d.kind == Detection::Kind::kMemoryStarvation;
  if (cpu || memory) {
    for (const auto& o : d.offenders) incident.actions.push_back(limit(o, s, cpu, memory));
  } else if (d.kind == Detection::Kind::kCpuThrottled && !d.offenders.empty()) {
    const auto& o = d.offenders.front();
    incident.actions.push_back(
        {.at_ms = clock_(),
         .kind = "alert",
         .description = fmt::format("raise {}'s CPU limit above {:.2f} CPUs (it uses {:.2f})", o.info->name,
                                    static_cast<double>(o.info->nano_cpus_limit) / 1e9, o.cpu_cores),
         .outcome = "ok"});
  } else if (d.kind == Detection::Kind::kOomKill) {
    incident.actions.push_back({.at_ms = clock_(),
                                .kind = "alert",
                                .description = "recorded the OOM kill; check the container's memory limit and growth",
                                .outcome = "ok"});
  }
  SHIPSHAPE_LOG(heal, warn, "[{}] {}: {}", d.subject, incident.kind, d.situation);
  auto id = store_.openIncident(incident);
  if (!id) {
    SHIPSHAPE_LOG(heal, error, "cannot record the incident: {}", id.error().describe());
    return;
  }
  open_[key(d)] = *id;
}

void ResourceGuard::ended(const Detection& d) {
  auto it = open_.find(key(d));
  if (it == open_.end()) return;
  std::string result = d.situation;
  if (auto incident = store_.get(it->second)) {
    int applied = 0;
    for (const auto& a : incident->actions) applied += a.kind == "limit" && a.outcome == "ok";
    if (applied > 0) result += fmt::format(" after {} limit(s) applied", applied);
  }
  if (auto resolved = store_.resolve(it->second, d.at_ms, result); !resolved) {
    SHIPSHAPE_LOG(heal, error, "[{}] cannot close incident {}: {}", d.subject, it->second, resolved.error().describe());
  }
  open_.erase(it);
}

}  // namespace shipshape::guard
