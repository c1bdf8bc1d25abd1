// Scenario 1 in action: feeds each resource snapshot to the StarvationDetector, keeps every container's
// usage history for the limit policy, and turns detections into incidents. With the `enforce` policy it
// gives unlimited offenders CPU/memory limits through the Engine API's update endpoint (never a container
// labelled shipshape.protect=true); with `alert` it records what it would have done. Single-threaded.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "docker/client.h"
#include "guard/limit_policy.h"
#include "guard/starvation.h"
#include "store/incident_store.h"

namespace shipshape::guard {

enum class ResourcePolicy { kAlert, kEnforce };
bool parseResourcePolicy(const std::string& text, ResourcePolicy* out);

struct ResourceGuardOptions {
  ResourcePolicy policy = ResourcePolicy::kAlert;
  StarvationOptions starvation;
  LimitPolicyOptions limits;
  std::size_t history_samples = 600;  // 10 minutes at the default 1 s interval
};

struct ResourceCounters {
  std::uint64_t detections = 0, limits_applied = 0, limits_failed = 0, skipped_protected = 0;
};

class ResourceGuard {
 public:
  using Clock = std::function<std::int64_t()>;
  // `on_limited(id)`: a container's limits were changed (the sampler re-reads its inspect data).
  ResourceGuard(docker::Client& client, store::IncidentStore& store, ResourceGuardOptions options, Clock clock,
                std::function<void(const std::string&)> on_limited = {});

  void observe(const resources::Snapshot& snapshot);
  // The engine's `oom` event: a process in the container was OOM-killed (faster than the next sample, and
  // the only trace when the container's main process died of it).
  void onOomEvent(const std::string& id, const std::string& name, std::int64_t at_ms);
  const ResourceCounters& counters() const { return counters_; }

 private:
  void started(const Detection& d, const resources::Snapshot& s);
  void ended(const Detection& d);
  // Limits one offender (or records why not); returns the action.
  store::Action limit(const Offender& o, const resources::Snapshot& s, bool cpu, bool memory);

  docker::Client& client_;
  store::IncidentStore& store_;
  ResourceGuardOptions options_;
  Clock clock_;
  std::function<void(const std::string&)> on_limited_;
  StarvationDetector detector_;
  std::map<std::string, UsageHistory> history_;   // container ID -> recent usage
  std::map<std::string, std::int64_t> open_;      // "kind\nsubject" -> incident ID
  std::map<std::string, std::int64_t> last_oom_;  // "oom-kill\nsubject" -> last kill seen (ms)
  std::set<std::string> limited_by_us_;           // containers this guardian limited: their throttling is expected
  ResourceCounters counters_;
};

}  // namespace shipshape::guard
