// What to create a container with (POST /containers/create) and what to change on a live one
// (POST /containers/{id}/update). Plain values; zero/empty means "leave at the engine's default".
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "docker/types.h"

namespace shipshape::docker {

struct MountSpec {
  std::string type = "volume";  // volume, bind, tmpfs
  std::string source;           // volume name or host path; empty for an anonymous volume
  std::string target;
  bool read_only = false;
};

struct ContainerSpec {
  std::string image;
  std::vector<std::string> cmd, entrypoint, env;
  Labels labels;
  std::string user;
  std::string hostname;
  std::string working_dir;
  std::set<std::string> exposed_ports;
  std::optional<HealthcheckConfig> healthcheck;
  std::optional<int> stop_timeout;
  std::string stop_signal;
  bool tty = false;

  std::int64_t memory = 0, memory_reservation = 0, memory_swap = 0;
  std::int64_t nano_cpus = 0, cpu_quota = 0, cpu_period = 0, cpu_shares = 0;
  std::optional<std::int64_t> pids_limit;
  RestartPolicy restart_policy;
  bool auto_remove = false, privileged = false, readonly_rootfs = false;
  std::string network_mode, pid_mode, ipc_mode;
  std::vector<std::string> binds, cap_add, cap_drop, security_opt;
  std::vector<MountSpec> mounts;
  std::vector<PortBinding> port_bindings;  // container_port "8080/tcp", host_ip, host_port ("" = any)
  LogConfig log_config;
};

// Fields of POST /containers/{id}/update; unset fields are not sent and stay as they are.
struct ResourceUpdate {
  std::optional<std::int64_t> memory, memory_reservation, memory_swap;
  std::optional<std::int64_t> nano_cpus, cpu_quota, cpu_period, cpu_shares;
  std::optional<std::int64_t> pids_limit;
  std::optional<RestartPolicy> restart_policy;
};

// The JSON bodies, exposed for tests.
std::string containerSpecJson(const ContainerSpec& spec);
std::string resourceUpdateJson(const ResourceUpdate& update);

}  // namespace shipshape::docker
