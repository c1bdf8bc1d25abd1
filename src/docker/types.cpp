#include "docker/types.h"

#include <cctype>

namespace shipshape::docker {

std::int64_t HostConfig::effectiveNanoCpus() const {
  if (nano_cpus > 0) return nano_cpus;
  if (cpu_quota > 0) {
    // The kernel's default CFS period is 100ms when none is set.
    std::int64_t period = cpu_period > 0 ? cpu_period : 100000;
    return cpu_quota * 1000000000LL / period;
  }
  return 0;
}

std::string ContainerInspect::healthStatus() const {
  if (state.health && !state.health->status.empty()) return state.health->status;
  return "none";
}

bool Volume::looksAnonymous() const {
  if (labels.count("com.docker.volume.anonymous")) return true;
  if (name.size() != 64) return false;
  for (char c : name) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) || std::isupper(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

double cpuPercent(const StatsSample& s) {
  // Same as the docker CLI: the container's share of all host CPU time between the two samples,
  // scaled by the number of CPUs, so that one busy core reads 100%.
  if (s.cpu_total < s.precpu_total || s.cpu_system <= s.precpu_system) return 0.0;
  double cpu_delta = static_cast<double>(s.cpu_total - s.precpu_total);
  double system_delta = static_cast<double>(s.cpu_system - s.precpu_system);
  double cpus = s.online_cpus ? s.online_cpus : static_cast<double>(s.percpu_count);
  if (cpus == 0) cpus = 1;
  return cpu_delta / system_delta * cpus * 100.0;
}

std::uint64_t memoryWorkingSet(const StatsSample& s) {
  // cgroup v1 reports total_inactive_file, v2 inactive_file; docker stats and cAdvisor subtract it.
  auto inactive = [&](const char* key) -> std::uint64_t {
    auto it = s.memory_stats.find(key);
    return it == s.memory_stats.end() ? 0 : it->second;
  };
  std::uint64_t file = s.memory_stats.count("total_inactive_file") ? inactive("total_inactive_file")
                                                                    : inactive("inactive_file");
  return file < s.memory_usage ? s.memory_usage - file : s.memory_usage;
}

}  // namespace shipshape::docker
