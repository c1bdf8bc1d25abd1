#include "docker/parse.h"

#include <nlohmann/json.hpp>

#include "common/base64.h"

namespace shipshape::docker {
namespace {

using nlohmann::json;

const json& field(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

std::string str(const json& j, const char* key) {
  const json& v = field(j, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

std::int64_t i64(const json& j, const char* key, std::int64_t fallback = 0) {
  const json& v = field(j, key);
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_unsigned()) return static_cast<std::int64_t>(v.get<std::uint64_t>());
  if (v.is_number_float()) {
    // An out-of-range (or NaN) double is undefined behaviour when cast: a peer's bad number is the fallback.
    double d = v.get<double>();
    return d > -9.2e18 && d < 9.2e18 ? static_cast<std::int64_t>(d) : fallback;
  }
  return fallback;
}

std::uint64_t u64(const json& j, const char* key) {
  const json& v = field(j, key);
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer()) return static_cast<std::uint64_t>(std::max<std::int64_t>(0, v.get<std::int64_t>()));
  return 0;
}

bool boolean(const json& j, const char* key) {
  const json& v = field(j, key);
  return v.is_boolean() && v.get<bool>();
}

std::vector<std::string> strings(const json& j, const char* key) {
  std::vector<std::string> out;
  const json& v = field(j, key);
  if (v.is_array()) {
    for (const auto& e : v) {
      if (e.is_string()) out.push_back(e.get<std::string>());
    }
  } else if (v.is_string()) {
    out.push_back(v.get<std::string>());  // Cmd/Entrypoint may be a plain string in old payloads
  }
  return out;
}

std::map<std::string, std::string> stringMap(const json& j, const char* key) {
  std::map<std::string, std::string> out;
  const json& v = field(j, key);
  if (v.is_object()) {
    for (const auto& [k, e] : v.items()) out[k] = e.is_string() ? e.get<std::string>() : e.dump();
  }
  return out;
}

std::set<std::string> keySet(const json& j, const char* key) {
  std::set<std::string> out;
  const json& v = field(j, key);
  if (v.is_object()) {
    for (const auto& [k, e] : v.items()) out.insert(k);
  }
  return out;
}

std::optional<HealthcheckConfig> healthcheck(const json& j) {
  const json& h = field(j, "Healthcheck");
  if (!h.is_object()) return std::nullopt;
  HealthcheckConfig hc;
  hc.test = strings(h, "Test");
  hc.interval_ns = i64(h, "Interval");
  hc.timeout_ns = i64(h, "Timeout");
  hc.start_period_ns = i64(h, "StartPeriod");
  hc.retries = static_cast<int>(i64(h, "Retries"));
  return hc;
}

std::string stripSlash(std::string name) {
  if (!name.empty() && name.front() == '/') name.erase(0, 1);
  return name;
}

MountPoint mountPoint(const json& m) {
  MountPoint mp;
  mp.type = str(m, "Type");
  mp.name = str(m, "Name");
  mp.source = str(m, "Source");
  mp.destination = str(m, "Destination");
  mp.driver = str(m, "Driver");
  mp.mode = str(m, "Mode");
  mp.rw = field(m, "RW").is_boolean() ? m["RW"].get<bool>() : true;
  return mp;
}

std::vector<MountPoint> mounts(const json& j) {
  std::vector<MountPoint> out;
  const json& v = field(j, "Mounts");
  if (v.is_array()) {
    for (const auto& m : v) out.push_back(mountPoint(m));
  }
  return out;
}

ContainerSummary containerSummary(const json& c) {
  ContainerSummary s;
  s.id = str(c, "Id");
  s.names = strings(c, "Names");
  if (!s.names.empty()) s.name = stripSlash(s.names.front());
  s.image = str(c, "Image");
  s.image_id = str(c, "ImageID");
  s.command = str(c, "Command");
  s.created = i64(c, "Created");
  s.state = str(c, "State");
  s.status = str(c, "Status");
  s.labels = stringMap(c, "Labels");
  s.size_rw = i64(c, "SizeRw");
  s.size_root_fs = i64(c, "SizeRootFs");
  s.mounts = mounts(c);
  return s;
}

ImageSummary imageSummary(const json& i) {
  ImageSummary s;
  s.id = str(i, "Id");
  s.parent_id = str(i, "ParentId");
  s.repo_tags = strings(i, "RepoTags");
  s.repo_digests = strings(i, "RepoDigests");
  s.created = i64(i, "Created");
  s.size = i64(i, "Size");
  s.shared_size = i64(i, "SharedSize", -1);
  s.containers = static_cast<int>(i64(i, "Containers", -1));
  s.labels = stringMap(i, "Labels");
  return s;
}

Volume volume(const json& v) {
  Volume vol;
  vol.name = str(v, "Name");
  vol.driver = str(v, "Driver");
  vol.mountpoint = str(v, "Mountpoint");
  vol.created_at = str(v, "CreatedAt");
  vol.scope = str(v, "Scope");
  vol.labels = stringMap(v, "Labels");
  vol.options = stringMap(v, "Options");
  const json& usage = field(v, "UsageData");
  if (usage.is_object()) vol.usage = VolumeUsage{i64(usage, "Size", -1), i64(usage, "RefCount", -1)};
  return vol;
}

// Runs `body` on the parsed document; JSON errors become a kProtocol error about `what`.
template <class T, class F>
Result<T> parseAs(std::string_view text, const char* what, F&& body) {
  try {
    json j = json::parse(text);
    return body(j);
  } catch (const json::exception& e) {
    return fail(ErrorCode::kProtocol, std::string("unexpected ") + what + " from the daemon: " + e.what());
  }
}

}  // namespace

Result<VersionInfo> parseVersion(std::string_view text) {
  return parseAs<VersionInfo>(text, "/version reply", [](const json& j) -> Result<VersionInfo> {
    VersionInfo v;
    v.version = str(j, "Version");
    v.api_version = str(j, "ApiVersion");
    v.min_api_version = str(j, "MinAPIVersion");
    v.git_commit = str(j, "GitCommit");
    v.go_version = str(j, "GoVersion");
    v.os = str(j, "Os");
    v.arch = str(j, "Arch");
    v.kernel_version = str(j, "KernelVersion");
    const json& comps = field(j, "Components");
    if (comps.is_array()) {
      for (const auto& c : comps) v.components[str(c, "Name")] = str(c, "Version");
    }
    if (v.api_version.empty()) return fail(ErrorCode::kProtocol, "/version reply has no ApiVersion");
    return v;
  });
}

Result<SystemInfo> parseInfo(std::string_view text) {
  return parseAs<SystemInfo>(text, "/info reply", [](const json& j) -> Result<SystemInfo> {
    SystemInfo i;
    i.id = str(j, "ID");
    i.name = str(j, "Name");
    i.server_version = str(j, "ServerVersion");
    i.containers = static_cast<int>(i64(j, "Containers"));
    i.containers_running = static_cast<int>(i64(j, "ContainersRunning"));
    i.containers_paused = static_cast<int>(i64(j, "ContainersPaused"));
    i.containers_stopped = static_cast<int>(i64(j, "ContainersStopped"));
    i.images = static_cast<int>(i64(j, "Images"));
    i.driver = str(j, "Driver");
    const json& ds = field(j, "DriverStatus");
    if (ds.is_array()) {
      for (const auto& pair : ds) {
        if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string()) {
          i.driver_status.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
        }
      }
    }
    i.docker_root_dir = str(j, "DockerRootDir");
    i.logging_driver = str(j, "LoggingDriver");
    i.cgroup_driver = str(j, "CgroupDriver");
    i.cgroup_version = str(j, "CgroupVersion");
    i.kernel_version = str(j, "KernelVersion");
    i.operating_system = str(j, "OperatingSystem");
    i.ncpu = static_cast<int>(i64(j, "NCPU"));
    i.mem_total = i64(j, "MemTotal");
    i.live_restore_enabled = boolean(j, "LiveRestoreEnabled");
    i.security_options = strings(j, "SecurityOptions");
    i.warnings = strings(j, "Warnings");
    const json& registry = field(j, "RegistryConfig");
    for (const auto& cidr : strings(registry, "InsecureRegistryCIDRs")) {
      if (cidr != "127.0.0.0/8" && cidr != "::1/128") i.insecure_registries.push_back(cidr);
    }
    if (const json& index = field(registry, "IndexConfigs"); index.is_object()) {
      for (const auto& [name, cfg] : index.items()) {
        if (field(cfg, "Secure").is_boolean() && !cfg["Secure"].get<bool>()) i.insecure_registries.push_back(name);
      }
    }
    const json& swarm = field(j, "Swarm");
    i.swarm_node_id = str(swarm, "NodeID");
    i.swarm_local_node_state = str(swarm, "LocalNodeState");
    i.swarm_control_available = boolean(swarm, "ControlAvailable");
    return i;
  });
}

Result<std::vector<ContainerSummary>> parseContainerList(std::string_view text) {
  return parseAs<std::vector<ContainerSummary>>(
      text, "container list", [](const json& j) -> Result<std::vector<ContainerSummary>> {
        if (!j.is_array()) return fail(ErrorCode::kProtocol, "container list is not a JSON array");
        std::vector<ContainerSummary> out;
        for (const auto& c : j) out.push_back(containerSummary(c));
        return out;
      });
}

Result<ContainerInspect> parseContainerInspect(std::string_view text) {
  return parseAs<ContainerInspect>(text, "container inspect", [](const json& j) -> Result<ContainerInspect> {
    ContainerInspect c;
    c.id = str(j, "Id");
    if (c.id.empty()) return fail(ErrorCode::kProtocol, "container inspect has no Id");
    c.name = stripSlash(str(j, "Name"));
    c.created = str(j, "Created");
    c.image_id = str(j, "Image");
    c.driver = str(j, "Driver");
    c.restart_count = static_cast<int>(i64(j, "RestartCount"));

    const json& st = field(j, "State");
    c.state.status = str(st, "Status");
    c.state.running = boolean(st, "Running");
    c.state.paused = boolean(st, "Paused");
    c.state.restarting = boolean(st, "Restarting");
    c.state.oom_killed = boolean(st, "OOMKilled");
    c.state.dead = boolean(st, "Dead");
    c.state.pid = static_cast<int>(i64(st, "Pid"));
    c.state.exit_code = static_cast<int>(i64(st, "ExitCode"));
    c.state.error = str(st, "Error");
    c.state.started_at = str(st, "StartedAt");
    c.state.finished_at = str(st, "FinishedAt");
    const json& health = field(st, "Health");
    if (health.is_object()) {
      HealthState h;
      h.status = str(health, "Status");
      h.failing_streak = static_cast<int>(i64(health, "FailingStreak"));
      const json& log = field(health, "Log");
      if (log.is_array() && !log.empty()) {
        h.last_output = str(log.back(), "Output");
        h.last_exit_code = static_cast<int>(i64(log.back(), "ExitCode"));
        for (auto it = log.rbegin(); it != log.rend() && i64(*it, "ExitCode") != 0; ++it) {
          h.failing_since = str(*it, "Start");
        }
      }
      c.state.health = h;
    }

    const json& cfg = field(j, "Config");
    c.config.hostname = str(cfg, "Hostname");
    c.config.user = str(cfg, "User");
    c.config.env = strings(cfg, "Env");
    c.config.cmd = strings(cfg, "Cmd");
    c.config.entrypoint = strings(cfg, "Entrypoint");
    c.config.image = str(cfg, "Image");
    c.config.working_dir = str(cfg, "WorkingDir");
    c.config.labels = stringMap(cfg, "Labels");
    c.config.exposed_ports = keySet(cfg, "ExposedPorts");
    c.config.volumes = keySet(cfg, "Volumes");
    c.config.healthcheck = healthcheck(cfg);
    if (field(cfg, "StopTimeout").is_number()) c.config.stop_timeout = static_cast<int>(i64(cfg, "StopTimeout"));
    c.config.stop_signal = str(cfg, "StopSignal");
    c.config.tty = boolean(cfg, "Tty");

    const json& hc = field(j, "HostConfig");
    HostConfig& h = c.host_config;
    h.memory = i64(hc, "Memory");
    h.memory_reservation = i64(hc, "MemoryReservation");
    h.memory_swap = i64(hc, "MemorySwap");
    h.nano_cpus = i64(hc, "NanoCpus");
    h.cpu_quota = i64(hc, "CpuQuota");
    h.cpu_period = i64(hc, "CpuPeriod");
    h.cpu_shares = i64(hc, "CpuShares");
    h.cpuset_cpus = str(hc, "CpusetCpus");
    if (field(hc, "PidsLimit").is_number()) h.pids_limit = i64(hc, "PidsLimit");
    const json& rp = field(hc, "RestartPolicy");
    h.restart_policy.name = str(rp, "Name");
    h.restart_policy.maximum_retry_count = static_cast<int>(i64(rp, "MaximumRetryCount"));
    h.auto_remove = boolean(hc, "AutoRemove");
    h.privileged = boolean(hc, "Privileged");
    h.readonly_rootfs = boolean(hc, "ReadonlyRootfs");
    h.network_mode = str(hc, "NetworkMode");
    h.pid_mode = str(hc, "PidMode");
    h.ipc_mode = str(hc, "IpcMode");
    h.userns_mode = str(hc, "UsernsMode");
    h.cap_add = strings(hc, "CapAdd");
    h.cap_drop = strings(hc, "CapDrop");
    h.security_opt = strings(hc, "SecurityOpt");
    h.binds = strings(hc, "Binds");
    const json& lc = field(hc, "LogConfig");
    h.log_config.type = str(lc, "Type");
    h.log_config.config = stringMap(lc, "Config");
    h.cgroup_parent = str(hc, "CgroupParent");

    c.mounts = mounts(j);
    c.graph_driver_data = stringMap(field(j, "GraphDriver"), "Data");
    const json& ns = field(j, "NetworkSettings");
    const json& nets = field(ns, "Networks");
    if (nets.is_object()) {
      for (const auto& [name, n] : nets.items()) {
        c.networks.push_back(EndpointAddress{name, str(n, "IPAddress"), str(n, "Gateway")});
      }
    }
    const json& ports = field(ns, "Ports");
    if (ports.is_object()) {
      for (const auto& [port, bindings] : ports.items()) {
        if (!bindings.is_array()) {
          c.ports.push_back(PortBinding{port, "", ""});
          continue;
        }
        for (const auto& b : bindings) c.ports.push_back(PortBinding{port, str(b, "HostIp"), str(b, "HostPort")});
      }
    }
    return c;
  });
}

Result<std::vector<ImageSummary>> parseImageList(std::string_view text) {
  return parseAs<std::vector<ImageSummary>>(text, "image list", [](const json& j) -> Result<std::vector<ImageSummary>> {
    if (!j.is_array()) return fail(ErrorCode::kProtocol, "image list is not a JSON array");
    std::vector<ImageSummary> out;
    for (const auto& i : j) out.push_back(imageSummary(i));
    return out;
  });
}

Result<ImageInspect> parseImageInspect(std::string_view text) {
  return parseAs<ImageInspect>(text, "image inspect", [](const json& j) -> Result<ImageInspect> {
    ImageInspect i;
    i.id = str(j, "Id");
    if (i.id.empty()) return fail(ErrorCode::kProtocol, "image inspect has no Id");
    i.repo_tags = strings(j, "RepoTags");
    i.repo_digests = strings(j, "RepoDigests");
    i.created = str(j, "Created");
    i.size = i64(j, "Size");
    i.os = str(j, "Os");
    i.architecture = str(j, "Architecture");
    const json& cfg = field(j, "Config");
    i.config.user = str(cfg, "User");
    i.config.env = strings(cfg, "Env");
    i.config.cmd = strings(cfg, "Cmd");
    i.config.entrypoint = strings(cfg, "Entrypoint");
    i.config.volumes = keySet(cfg, "Volumes");
    i.config.exposed_ports = keySet(cfg, "ExposedPorts");
    i.config.labels = stringMap(cfg, "Labels");
    i.config.healthcheck = healthcheck(cfg);
    i.config.working_dir = str(cfg, "WorkingDir");
    return i;
  });
}

Result<std::vector<Volume>> parseVolumeList(std::string_view text) {
  return parseAs<std::vector<Volume>>(text, "volume list", [](const json& j) -> Result<std::vector<Volume>> {
    std::vector<Volume> out;
    const json& vols = field(j, "Volumes");
    if (vols.is_array()) {
      for (const auto& v : vols) out.push_back(volume(v));
    }
    return out;
  });
}

Result<Volume> parseVolume(std::string_view text) {
  return parseAs<Volume>(text, "volume inspect", [](const json& j) -> Result<Volume> { return volume(j); });
}

Result<DiskUsage> parseDiskUsage(std::string_view text) {
  return parseAs<DiskUsage>(text, "/system/df reply", [](const json& j) -> Result<DiskUsage> {
    DiskUsage d;
    d.layers_size = i64(j, "LayersSize");
    if (const json& v = field(j, "Images"); v.is_array()) {
      for (const auto& i : v) d.images.push_back(imageSummary(i));
    }
    if (const json& v = field(j, "Containers"); v.is_array()) {
      for (const auto& c : v) d.containers.push_back(containerSummary(c));
    }
    if (const json& v = field(j, "Volumes"); v.is_array()) {
      for (const auto& vol : v) d.volumes.push_back(volume(vol));
    }
    if (const json& v = field(j, "BuildCache"); v.is_array()) {
      for (const auto& b : v) d.build_cache_size += i64(b, "Size");
    }
    return d;
  });
}

Result<Event> parseEvent(std::string_view text) {
  return parseAs<Event>(text, "event", [](const json& j) -> Result<Event> {
    Event e;
    e.type = str(j, "Type");
    e.action = str(j, "Action");
    const json& actor = field(j, "Actor");
    e.actor_id = str(actor, "ID");
    e.attributes = stringMap(actor, "Attributes");
    e.scope = str(j, "scope");
    e.time = i64(j, "time");
    e.time_nano = i64(j, "timeNano");
    if (e.time_nano == 0 && __builtin_mul_overflow(e.time, 1000000000LL, &e.time_nano)) e.time_nano = 0;
    // Before API 1.22 the type lived in "status"/"id"; engines we support always send Type.
    if (e.type.empty()) return fail(ErrorCode::kProtocol, "event without Type");
    return e;
  });
}

Result<StatsSample> parseStats(std::string_view text) {
  return parseAs<StatsSample>(text, "stats sample", [](const json& j) -> Result<StatsSample> {
    StatsSample s;
    s.read = str(j, "read");
    s.preread = str(j, "preread");
    const json& cpu = field(j, "cpu_stats");
    s.cpu_total = u64(field(cpu, "cpu_usage"), "total_usage");
    if (const json& percpu = field(field(cpu, "cpu_usage"), "percpu_usage"); percpu.is_array()) {
      s.percpu_count = percpu.size();
    }
    s.cpu_system = u64(cpu, "system_cpu_usage");
    s.online_cpus = static_cast<std::uint32_t>(u64(cpu, "online_cpus"));
    s.throttled_periods = u64(field(cpu, "throttling_data"), "throttled_periods");
    s.throttled_time_ns = u64(field(cpu, "throttling_data"), "throttled_time");
    const json& precpu = field(j, "precpu_stats");
    s.precpu_total = u64(field(precpu, "cpu_usage"), "total_usage");
    s.precpu_system = u64(precpu, "system_cpu_usage");
    const json& mem = field(j, "memory_stats");
    s.memory_usage = u64(mem, "usage");
    s.memory_limit = u64(mem, "limit");
    s.memory_max_usage = u64(mem, "max_usage");
    s.memory_failcnt = u64(mem, "failcnt");
    if (const json& stats = field(mem, "stats"); stats.is_object()) {
      for (const auto& [k, v] : stats.items()) {
        if (v.is_number()) s.memory_stats[k] = v.get<std::uint64_t>();
      }
    }
    const json& pids = field(j, "pids_stats");
    s.pids_current = u64(pids, "current");
    s.pids_limit = u64(pids, "limit");
    if (const json& nets = field(j, "networks"); nets.is_object()) {
      for (const auto& [name, n] : nets.items()) {
        s.net_rx_bytes += u64(n, "rx_bytes");
        s.net_tx_bytes += u64(n, "tx_bytes");
      }
    }
    if (const json& io = field(field(j, "blkio_stats"), "io_service_bytes_recursive"); io.is_array()) {
      for (const auto& entry : io) {
        std::string op = str(entry, "op");
        if (op == "Read" || op == "read") s.block_read_bytes += u64(entry, "value");
        if (op == "Write" || op == "write") s.block_write_bytes += u64(entry, "value");
      }
    }
    return s;
  });
}

Result<PathStat> parsePathStatHeader(std::string_view base64) {
  auto decoded = base64Decode(base64);
  if (!decoded) return fail(ErrorCode::kProtocol, "X-Docker-Container-Path-Stat is not base64");
  return parseAs<PathStat>(*decoded, "path stat", [](const json& j) -> Result<PathStat> {
    PathStat p;
    p.name = str(j, "name");
    p.size = i64(j, "size");
    p.mode = static_cast<std::uint32_t>(u64(j, "mode"));
    p.mtime = str(j, "mtime");
    p.link_target = str(j, "linkTarget");
    return p;
  });
}

std::string parseErrorMessage(std::string_view body) {
  try {
    json j = json::parse(body);
    std::string message = str(j, "message");
    if (!message.empty()) return message;
  } catch (const json::exception&) {
  }
  std::string raw(body);
  while (!raw.empty() && (raw.back() == '\n' || raw.back() == '\r')) raw.pop_back();
  return raw.empty() ? "(no message)" : raw;
}

Result<std::string> parseIdReply(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("Id") || !j["Id"].is_string()) {
    return fail(ErrorCode::kProtocol, "unexpected reply (no \"Id\"): " + std::string(text.substr(0, 200)));
  }
  return j["Id"].get<std::string>();
}

}  // namespace shipshape::docker
