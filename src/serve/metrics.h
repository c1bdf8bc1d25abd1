// The Prometheus text exposition of a resource snapshot and the guardian's own counters. Container series
// use cAdvisor's metric names and labels (id="/docker/<id>", name, image, container_label_*) so that
// existing Grafana dashboards work unchanged; the guardian's own series are shipshape_*. Pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "resources/sampler.h"

namespace shipshape::serve {

struct GuardianStatus {
  bool daemon_up = true;
  double daemon_ping_ms = 0;
  std::uint64_t restarts = 0, crash_loops = 0, incidents_opened = 0, incidents_resolved = 0;
  std::uint64_t starvation_detections = 0, limits_applied = 0, limits_failed = 0;
  std::uint64_t alerts_sent = 0, alerts_failed = 0, alerts_suppressed = 0;
  std::int64_t open_incidents = 0;
  std::int64_t started_at_ms = 0;
  std::int64_t last_loop_ms = 0;  // the main loop's last turn: a stuck guardian shows here
  std::string version;
};

std::string renderMetrics(const resources::Snapshot& snapshot, const GuardianStatus& status);

// JSON for /healthz; `healthy` is false (HTTP 503) when the main loop has not turned for `stall_ms`.
std::string renderHealthz(const resources::Snapshot& snapshot, const GuardianStatus& status, std::int64_t now_ms,
                          std::int64_t stall_ms, bool* healthy);

// A Docker label key as cAdvisor turns it into a Prometheus label name: "container_label_" + key with
// every character outside [a-zA-Z0-9_] replaced by '_'.
std::string cadvisorLabelName(const std::string& key);

}  // namespace shipshape::serve
