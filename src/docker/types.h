// Typed views of Engine API resources: the fields shipshape uses, parsed from API 1.41+ JSON (parse.h).
// Plain values. Absent optional fields keep their defaults; sizes are bytes; CPU is in nano-CPUs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace shipshape::docker {

using Labels = std::map<std::string, std::string>;
// Engine API filters: {"label": ["a=b"], "status": ["running"]}.
using Filters = std::map<std::string, std::vector<std::string>>;

struct PingResult {
  std::string api_version;  // Api-Version header
  std::string os_type;
  bool experimental = false;
  std::string swarm;  // "inactive", "active/manager", ...
  double latency_ms = 0;
};

struct VersionInfo {
  std::string version;
  std::string api_version;
  std::string min_api_version;
  std::string git_commit;
  std::string go_version;
  std::string os;
  std::string arch;
  std::string kernel_version;
  std::map<std::string, std::string> components;  // "containerd" -> "1.6.20"
};

struct SystemInfo {
  std::string id;
  std::string name;
  std::string server_version;
  int containers = 0, containers_running = 0, containers_paused = 0, containers_stopped = 0;
  int images = 0;
  std::string driver;
  std::vector<std::pair<std::string, std::string>> driver_status;  // "Backing Filesystem" -> "extfs"
  std::string docker_root_dir;
  std::string logging_driver;
  std::string cgroup_driver;
  std::string cgroup_version;  // "1" or "2"
  std::string kernel_version;
  std::string operating_system;
  int ncpu = 0;
  std::int64_t mem_total = 0;
  bool live_restore_enabled = false;
  std::vector<std::string> security_options;
  std::vector<std::string> warnings;
  // Registries the daemon talks to over plain HTTP (RegistryConfig), without the default 127.0.0.0/8.
  std::vector<std::string> insecure_registries;
  std::string swarm_node_id;
  std::string swarm_local_node_state;  // "inactive", "active", ...
  bool swarm_control_available = false;
};

struct HealthcheckConfig {
  std::vector<std::string> test;  // ["CMD", "/app", "probe"], ["NONE"], ...
  std::int64_t interval_ns = 0, timeout_ns = 0, start_period_ns = 0;
  int retries = 0;
};

struct HealthState {
  std::string status;  // "starting", "healthy", "unhealthy"
  int failing_streak = 0;
  std::string last_output;
  int last_exit_code = 0;
  // Start of the first probe of the current run of failures (RFC 3339); empty when the last probe passed.
  std::string failing_since;
};

struct ContainerState {
  std::string status;  // created, running, paused, restarting, removing, exited, dead
  bool running = false, paused = false, restarting = false, oom_killed = false, dead = false;
  int pid = 0;
  int exit_code = 0;
  std::string error;
  std::string started_at, finished_at;
  std::optional<HealthState> health;
};

struct RestartPolicy {
  std::string name;  // "", "no", "always", "unless-stopped", "on-failure"
  int maximum_retry_count = 0;
};

struct LogConfig {
  std::string type;
  std::map<std::string, std::string> config;
};

struct HostConfig {
  std::int64_t memory = 0;              // bytes; 0 = unlimited
  std::int64_t memory_reservation = 0;
  std::int64_t memory_swap = 0;         // -1 = unlimited swap
  std::int64_t nano_cpus = 0;
  std::int64_t cpu_quota = 0;           // microseconds per period
  std::int64_t cpu_period = 0;
  std::int64_t cpu_shares = 0;
  std::string cpuset_cpus;
  std::optional<std::int64_t> pids_limit;  // absent, 0 or -1 = unlimited
  RestartPolicy restart_policy;
  bool auto_remove = false;
  bool privileged = false;
  bool readonly_rootfs = false;
  std::string network_mode, pid_mode, ipc_mode, userns_mode;
  std::vector<std::string> cap_add, cap_drop, security_opt, binds;
  LogConfig log_config;
  std::string cgroup_parent;

  // Effective CPU limit in nano-CPUs, from NanoCpus or CpuQuota/CpuPeriod; 0 = unlimited.
  std::int64_t effectiveNanoCpus() const;
  bool hasPidsLimit() const { return pids_limit && *pids_limit > 0; }
};

struct ContainerConfig {
  std::string hostname;
  std::string user;
  std::vector<std::string> env;
  std::vector<std::string> cmd;
  std::vector<std::string> entrypoint;
  std::string image;
  std::string working_dir;
  Labels labels;
  std::set<std::string> exposed_ports;  // "8080/tcp"
  std::set<std::string> volumes;        // declared VOLUME paths
  std::optional<HealthcheckConfig> healthcheck;
  std::optional<int> stop_timeout;
  std::string stop_signal;
  bool tty = false;
};

struct MountPoint {
  std::string type;  // volume, bind, tmpfs, npipe
  std::string name;  // volume name
  std::string source;
  std::string destination;
  std::string driver;
  std::string mode;
  bool rw = true;
};

struct EndpointAddress {
  std::string network;
  std::string ip_address;
  std::string gateway;
};

struct PortBinding {
  std::string container_port;  // "8080/tcp"
  std::string host_ip;
  std::string host_port;
};

struct ContainerInspect {
  std::string id;
  std::string name;  // without the leading '/'
  std::string created;
  std::string image_id;
  std::string driver;
  int restart_count = 0;
  ContainerState state;
  ContainerConfig config;
  HostConfig host_config;
  std::vector<MountPoint> mounts;
  std::vector<EndpointAddress> networks;
  std::vector<PortBinding> ports;
  // GraphDriver.Data: overlay2's LowerDir (':'-separated), UpperDir, MergedDir, WorkDir.
  std::map<std::string, std::string> graph_driver_data;

  // "healthy", "unhealthy", "starting", or "none" when the container has no health check.
  std::string healthStatus() const;
};

struct ContainerSummary {
  std::string id;
  std::string name;  // first name, without the leading '/'
  std::vector<std::string> names;
  std::string image;
  std::string image_id;
  std::string command;
  std::int64_t created = 0;
  std::string state;
  std::string status;  // "Up 2 minutes (healthy)"
  Labels labels;
  std::int64_t size_rw = 0, size_root_fs = 0;  // only from /system/df or size=1
  std::vector<MountPoint> mounts;
};

struct ImageConfig {
  std::string user;
  std::vector<std::string> env;
  std::vector<std::string> cmd, entrypoint;
  std::set<std::string> volumes;
  std::set<std::string> exposed_ports;
  Labels labels;
  std::optional<HealthcheckConfig> healthcheck;
  std::string working_dir;
};

struct ImageSummary {
  std::string id;
  std::string parent_id;
  std::vector<std::string> repo_tags;
  std::vector<std::string> repo_digests;
  std::int64_t created = 0;
  std::int64_t size = 0;
  std::int64_t shared_size = -1;
  int containers = -1;
  Labels labels;
};

struct ImageInspect {
  std::string id;
  std::vector<std::string> repo_tags;
  std::vector<std::string> repo_digests;
  std::string created;
  std::int64_t size = 0;
  std::string os, architecture;
  ImageConfig config;
};

struct VolumeUsage {
  std::int64_t size = -1;  // -1: not computed
  std::int64_t ref_count = -1;
};

struct Volume {
  std::string name;
  std::string driver;
  std::string mountpoint;
  std::string created_at;
  std::string scope;
  Labels labels;
  std::map<std::string, std::string> options;
  std::optional<VolumeUsage> usage;

  // Docker names anonymous volumes with 64 hex digits and (since 23.0) labels them com.docker.volume.anonymous.
  bool looksAnonymous() const;
};

struct DiskUsage {
  std::int64_t layers_size = 0;
  std::vector<ImageSummary> images;
  std::vector<ContainerSummary> containers;
  std::vector<Volume> volumes;
  std::int64_t build_cache_size = 0;
};

struct Event {
  std::string type;    // container, image, volume, network, daemon, ...
  std::string action;  // start, die, "health_status: unhealthy", ...
  std::string actor_id;
  std::map<std::string, std::string> attributes;  // name, image, exitCode, labels ...
  std::string scope;
  std::int64_t time = 0;       // seconds
  std::int64_t time_nano = 0;  // nanoseconds since the epoch
};

// One sample from /containers/{id}/stats, the fields docker stats and cAdvisor compute from.
struct StatsSample {
  std::string read, preread;
  std::uint64_t cpu_total = 0, cpu_system = 0;
  std::uint64_t precpu_total = 0, precpu_system = 0;
  std::uint32_t online_cpus = 0;
  std::size_t percpu_count = 0;
  std::uint64_t throttled_periods = 0, throttled_time_ns = 0;
  std::uint64_t memory_usage = 0, memory_limit = 0, memory_max_usage = 0;
  std::uint64_t memory_failcnt = 0;
  std::map<std::string, std::uint64_t> memory_stats;  // cache, rss, total_inactive_file / inactive_file, ...
  std::uint64_t pids_current = 0, pids_limit = 0;
  std::uint64_t net_rx_bytes = 0, net_tx_bytes = 0;
  std::uint64_t block_read_bytes = 0, block_write_bytes = 0;
};

// CPU use in percent of one core (200% = two cores busy), the formula docker stats uses.
double cpuPercent(const StatsSample& sample);
// Memory in use minus inactive page cache: what docker stats shows and cAdvisor calls the working set.
std::uint64_t memoryWorkingSet(const StatsSample& sample);

// Stat of a path in a container, from the X-Docker-Container-Path-Stat header.
struct PathStat {
  std::string name;
  std::int64_t size = 0;
  std::uint32_t mode = 0;
  std::string mtime;
  std::string link_target;
};

}  // namespace shipshape::docker
