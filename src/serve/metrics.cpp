#include "serve/metrics.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace shipshape::serve {
namespace {

std::string escape(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// The label set cAdvisor puts on every series of a container.
std::string containerLabels(const resources::ContainerInfo& info) {
  std::string out = "id=\"/docker/" + info.id + "\",image=\"" + escape(info.image) + "\",name=\"" + escape(info.name) + "\"";
  for (const auto& [k, v] : info.labels) out += "," + cadvisorLabelName(k) + "=\"" + escape(v) + "\"";
  return out;
}

class Writer {
 public:
  void family(const char* name, const char* type, const char* help) {
    out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  void sample(const char* name, const std::string& labels, double value) {
    out_ += name;
    if (!labels.empty()) out_ += "{" + labels + "}";
    out_ += ' ';
    out_ += fmt::format("{}", value);
    out_ += '\n';
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

std::string cadvisorLabelName(const std::string& key) {
  std::string out = "container_label_";
  for (char c : key) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  return out;
}

std::string renderMetrics(const resources::Snapshot& s, const GuardianStatus& g) {
  Writer w;
  std::vector<std::string> labels;
  labels.reserve(s.containers.size());
  for (const auto& c : s.containers) labels.push_back(containerLabels(*c.info));
  auto each = [&](const char* name, const char* type, const char* help, auto value, const char* extra = "") {
    w.family(name, type, help);
    for (std::size_t i = 0; i < s.containers.size(); ++i) {
      w.sample(name, std::string(extra) + labels[i], static_cast<double>(value(s.containers[i])));
    }
  };
  using U = const resources::ContainerUsage&;
  each("container_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed in seconds.",
       [](U c) { return static_cast<double>(c.raw.cpu_usage_ns) / 1e9; }, "cpu=\"total\",");
  each("container_cpu_cfs_periods_total", "counter", "Number of elapsed enforcement period intervals.",
       [](U c) { return c.raw.cpu_periods; });
  each("container_cpu_cfs_throttled_periods_total", "counter", "Number of throttled period intervals.",
       [](U c) { return c.raw.cpu_throttled_periods; });
  each("container_cpu_cfs_throttled_seconds_total", "counter", "Total time duration the container has been throttled.",
       [](U c) { return static_cast<double>(c.raw.cpu_throttled_ns) / 1e9; });
  each("container_memory_usage_bytes", "gauge", "Current memory usage in bytes, including all memory regardless of when it was accessed",
       [](U c) { return c.raw.memory_usage; });
  each("container_memory_working_set_bytes", "gauge", "Current working set in bytes.",
       [](U c) { return c.raw.memory_working_set; });
  each("container_memory_rss", "gauge", "Size of RSS in bytes.", [](U c) { return c.raw.memory_rss; });
  each("container_memory_cache", "gauge", "Number of bytes of page cache memory.", [](U c) { return c.raw.memory_cache; });
  each("container_memory_failcnt", "counter", "Number of memory usage hits limits",
       [](U c) { return c.raw.memory_failcnt; });
  each("container_oom_events_total", "counter", "Count of out of memory events observed for the container",
       [](U c) { return c.raw.oom_kills; });
  each("container_spec_memory_limit_bytes", "gauge", "Memory limit for the container.",
       [](U c) { return c.info->memory_limit; });
  each("container_spec_cpu_quota", "gauge", "CPU quota of the container.", [](U c) {
    return c.info->cpu_quota > 0 ? c.info->cpu_quota : c.info->nano_cpus_limit / 10000;  // NanoCpus at a 100 ms period
  });
  each("container_spec_cpu_period", "gauge", "CPU period of the container.", [](U c) {
    return c.info->cpu_period > 0 ? c.info->cpu_period : (c.info->hasCpuLimit() ? 100000 : 0);
  });
  each("container_spec_cpu_shares", "gauge", "CPU share of the container.",
       [](U c) { return c.info->cpu_shares > 0 ? c.info->cpu_shares : 1024; });
  each("container_threads", "gauge", "Number of threads running inside the container", [](U c) { return c.raw.pids; });
  each("container_threads_max", "gauge", "Maximum number of threads allowed inside the container, infinity if value is zero",
       [](U c) { return c.raw.pids_limit; });
  each("container_fs_reads_bytes_total", "counter", "Cumulative count of bytes read", [](U c) { return c.raw.io.read; });
  each("container_fs_writes_bytes_total", "counter", "Cumulative count of bytes written", [](U c) { return c.raw.io.write; });
  each("container_network_receive_bytes_total", "counter", "Cumulative count of bytes received",
       [](U c) { return c.raw.net.rx; }, "interface=\"eth0\",");
  each("container_network_transmit_bytes_total", "counter", "Cumulative count of bytes transmitted",
       [](U c) { return c.raw.net.tx; }, "interface=\"eth0\",");
  each("container_last_seen", "gauge", "Last time a container was seen by the exporter",
       [&](U) { return static_cast<double>(s.at_ms) / 1000; });

  w.family("machine_cpu_cores", "gauge", "Number of logical CPU cores.");
  w.sample("machine_cpu_cores", "", s.cores);
  w.family("machine_memory_bytes", "gauge", "Amount of memory installed on the machine.");
  w.sample("machine_memory_bytes", "", static_cast<double>(s.memory.total));

  auto one = [&](const char* name, const char* type, const char* help, double value) {
    w.family(name, type, help);
    w.sample(name, "", value);
  };
  one("shipshape_daemon_up", "gauge", "1 when the Docker daemon answers its ping.", g.daemon_up ? 1 : 0);
  one("shipshape_daemon_ping_seconds", "gauge", "Latency of the last /_ping to the Docker daemon.", g.daemon_ping_ms / 1000);
  one("shipshape_host_cpu_busy_ratio", "gauge", "Share of the host's CPU time busy over the last sample.", s.host_cpu_busy);
  one("shipshape_host_memory_available_bytes", "gauge", "MemAvailable of the host.", static_cast<double>(s.memory.available));
  one("shipshape_containers_sampled", "gauge", "Containers in the last resource sample.", static_cast<double>(s.containers.size()));
  one("shipshape_sample_duration_seconds", "gauge", "Wall time the last resource sample took.", s.sample_cost_ms / 1000);
  one("shipshape_heals_total", "counter", "Containers restarted by the guardian.", static_cast<double>(g.restarts));
  one("shipshape_crash_loops_total", "counter", "Crash loops detected.", static_cast<double>(g.crash_loops));
  one("shipshape_starvation_detections_total", "counter", "Resource starvation conditions detected.",
      static_cast<double>(g.starvation_detections));
  one("shipshape_limits_applied_total", "counter", "Resource limits applied to containers.", static_cast<double>(g.limits_applied));
  one("shipshape_limits_failed_total", "counter", "Resource limit updates the daemon refused.", static_cast<double>(g.limits_failed));
  one("shipshape_incidents_opened_total", "counter", "Incidents opened.", static_cast<double>(g.incidents_opened));
  one("shipshape_incidents_resolved_total", "counter", "Incidents resolved.", static_cast<double>(g.incidents_resolved));
  one("shipshape_incidents_open", "gauge", "Incidents open now.", static_cast<double>(g.open_incidents));
  one("shipshape_alerts_sent_total", "counter", "Webhook alerts delivered.", static_cast<double>(g.alerts_sent));
  one("shipshape_alerts_failed_total", "counter", "Webhook alerts that could not be delivered.", static_cast<double>(g.alerts_failed));
  one("shipshape_alerts_suppressed_total", "counter", "Alerts dropped as duplicates or by the rate limit.",
      static_cast<double>(g.alerts_suppressed));
  one("shipshape_start_time_seconds", "gauge", "When the guardian started, seconds since the epoch.",
      static_cast<double>(g.started_at_ms) / 1000);
  return w.take();
}

std::string renderHealthz(const resources::Snapshot& s, const GuardianStatus& g, std::int64_t now_ms,
                          std::int64_t stall_ms, bool* healthy) {
  std::int64_t loop_age = g.last_loop_ms > 0 ? now_ms - g.last_loop_ms : -1;
  *healthy = loop_age >= 0 && loop_age < stall_ms;
  nlohmann::json j = {
      {"status", *healthy ? "ok" : "stalled"},
      {"version", g.version},
      {"uptime_s", g.started_at_ms > 0 ? (now_ms - g.started_at_ms) / 1000 : 0},
      {"loop_age_ms", loop_age},
      {"daemon", {{"up", g.daemon_up}, {"ping_ms", g.daemon_ping_ms}}},
      {"containers_sampled", s.containers.size()},
      {"last_sample_at_ms", s.at_ms},
      {"sample_duration_ms", s.sample_cost_ms},
      {"incidents", {{"open", g.open_incidents}, {"opened", g.incidents_opened}, {"resolved", g.incidents_resolved}}},
  };
  return j.dump() + "\n";
}

}  // namespace shipshape::serve
