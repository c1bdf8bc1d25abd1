#include "docker/container_spec.h"

#include <nlohmann/json.hpp>

namespace shipshape::docker {
namespace {

using nlohmann::json;

void setIf(json& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}
void setIf(json& j, const char* key, const std::vector<std::string>& value) {
  if (!value.empty()) j[key] = value;
}
void setIf(json& j, const char* key, std::int64_t value) {
  if (value != 0) j[key] = value;
}

}  // namespace

std::string containerSpecJson(const ContainerSpec& s) {
  json body = json::object();
  body["Image"] = s.image;
  setIf(body, "Cmd", s.cmd);
  setIf(body, "Entrypoint", s.entrypoint);
  setIf(body, "Env", s.env);
  if (!s.labels.empty()) body["Labels"] = s.labels;
  setIf(body, "User", s.user);
  setIf(body, "Hostname", s.hostname);
  setIf(body, "WorkingDir", s.working_dir);
  setIf(body, "StopSignal", s.stop_signal);
  if (s.tty) body["Tty"] = true;
  std::set<std::string> exposed = s.exposed_ports;
  for (const auto& p : s.port_bindings) exposed.insert(p.container_port);
  if (!exposed.empty()) {
    json ports = json::object();
    for (const auto& p : exposed) ports[p] = json::object();
    body["ExposedPorts"] = ports;
  }
  if (s.healthcheck) {
    json h;
    h["Test"] = s.healthcheck->test;
    if (s.healthcheck->interval_ns) h["Interval"] = s.healthcheck->interval_ns;
    if (s.healthcheck->timeout_ns) h["Timeout"] = s.healthcheck->timeout_ns;
    if (s.healthcheck->start_period_ns) h["StartPeriod"] = s.healthcheck->start_period_ns;
    if (s.healthcheck->retries) h["Retries"] = s.healthcheck->retries;
    body["Healthcheck"] = h;
  }
  if (s.stop_timeout) body["StopTimeout"] = *s.stop_timeout;

  json host = json::object();
  setIf(host, "Memory", s.memory);
  setIf(host, "MemoryReservation", s.memory_reservation);
  setIf(host, "MemorySwap", s.memory_swap);
  setIf(host, "NanoCpus", s.nano_cpus);
  setIf(host, "CpuQuota", s.cpu_quota);
  setIf(host, "CpuPeriod", s.cpu_period);
  setIf(host, "CpuShares", s.cpu_shares);
  if (s.pids_limit) host["PidsLimit"] = *s.pids_limit;
  if (!s.restart_policy.name.empty()) {
    host["RestartPolicy"] = {{"Name", s.restart_policy.name},
                             {"MaximumRetryCount", s.restart_policy.maximum_retry_count}};
  }
  if (s.auto_remove) host["AutoRemove"] = true;
  if (s.privileged) host["Privileged"] = true;
  if (s.readonly_rootfs) host["ReadonlyRootfs"] = true;
  setIf(host, "NetworkMode", s.network_mode);
  setIf(host, "PidMode", s.pid_mode);
  setIf(host, "IpcMode", s.ipc_mode);
  setIf(host, "Binds", s.binds);
  setIf(host, "CapAdd", s.cap_add);
  setIf(host, "CapDrop", s.cap_drop);
  setIf(host, "SecurityOpt", s.security_opt);
  if (!s.mounts.empty()) {
    json mounts = json::array();
    for (const auto& m : s.mounts) {
      json jm = {{"Type", m.type}, {"Target", m.target}};
      if (!m.source.empty()) jm["Source"] = m.source;
      if (m.read_only) jm["ReadOnly"] = true;
      mounts.push_back(jm);
    }
    host["Mounts"] = mounts;
  }
  if (!s.port_bindings.empty()) {
    json bindings = json::object();
    for (const auto& p : s.port_bindings) {
      bindings[p.container_port].push_back({{"HostIp", p.host_ip}, {"HostPort", p.host_port}});
    }
    host["PortBindings"] = bindings;
  }
  if (!s.log_config.type.empty()) {
    host["LogConfig"] = {{"Type", s.log_config.type}, {"Config", s.log_config.config}};
  }
  body["HostConfig"] = host;
  return body.dump();
}

std::string resourceUpdateJson(const ResourceUpdate& u) {
  json body = json::object();
  if (u.memory) body["Memory"] = *u.memory;
  if (u.memory_reservation) body["MemoryReservation"] = *u.memory_reservation;
  if (u.memory_swap) body["MemorySwap"] = *u.memory_swap;
  if (u.nano_cpus) body["NanoCpus"] = *u.nano_cpus;
  if (u.cpu_quota) body["CpuQuota"] = *u.cpu_quota;
  if (u.cpu_period) body["CpuPeriod"] = *u.cpu_period;
  if (u.cpu_shares) body["CpuShares"] = *u.cpu_shares;
  if (u.pids_limit) body["PidsLimit"] = *u.pids_limit;
  if (u.restart_policy) {
    body["RestartPolicy"] = {{"Name", u.restart_policy->name},
                             {"MaximumRetryCount", u.restart_policy->maximum_retry_count}};
  }
  return body.dump();
}

}  // namespace shipshape::docker
