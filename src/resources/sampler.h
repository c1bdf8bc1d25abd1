// Samples every running container's resources once per call: straight from its cgroup when the files are
// readable (local engine), from the Engine API's one-shot stats otherwise (remote engine). Rates (CPU cores,
// throttling, new OOM kills) are computed against the previous sample of the same container.
//
// The container set is refreshed from the engine only when told (`markDirty`, on start/die/update events) or
// every `refresh_every`; a steady host costs no API calls per sample. Single-threaded: one owner calls
// sample(); snapshots are immutable values that may be shared with other threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "docker/client.h"
#include "resources/cgroup.h"

namespace shipshape::resources {

// What the sampler knows of a container from its inspect data (refreshed on update events).
struct ContainerInfo {
  std::string id, name, image;
  docker::Labels labels;
  int pid = 0;
  std::int64_t nano_cpus_limit = 0;    // 0 = no CPU limit
  std::int64_t memory_limit = 0;       // bytes, 0 = none
  std::int64_t cpu_shares = 0, cpu_quota = 0, cpu_period = 0;
  std::int64_t pids_limit = 0;

  bool hasCpuLimit() const { return nano_cpus_limit > 0; }
  bool hasMemoryLimit() const { return memory_limit > 0; }
};

struct ContainerUsage {
  std::shared_ptr<const ContainerInfo> info;
  CgroupSample raw;
  bool has_rates = false;         // false on a container's first sample
  double cpu_cores = 0;           // cores busy over the last interval (1.0 = one core)
  double throttled_ratio = 0;     // throttled CFS periods / periods over the interval
  std::uint64_t new_oom_kills = 0;
  double net_rx_per_s = 0, net_tx_per_s = 0, io_read_per_s = 0, io_write_per_s = 0;
  bool from_api = false;          // read through the Engine API, not the cgroup files
};

struct Snapshot {
  std::int64_t at_ms = 0;          // wall clock
  int cores = 0;
  double host_cpu_busy = 0;        // fraction of all cores busy over the interval (0..1)
  bool has_host_rates = false;
  HostMemory memory;
  std::vector<ContainerUsage> containers;
  double sample_cost_ms = 0;       // wall time this sample took

  double memoryUsedRatio() const {
    return memory.total ? 1.0 - static_cast<double>(memory.available) / static_cast<double>(memory.total) : 0;
  }
};

struct SamplerOptions {
  HostPaths host;
  std::chrono::milliseconds refresh_every{30000};
  // Slow counters (OOM kills, PIDs, block and network I/O) every this many samples; CPU and memory always.
  int slow_every = 5;
  // Read host CPU and memory from this machine (false when the engine is remote: the numbers would be ours).
  bool host_is_engine = true;
  // "key=value": only containers with this label are sampled (`shipshape lab` guards its own containers only).
  std::string only_label;
};

class Sampler {
 public:
  Sampler(docker::Client& client, SamplerOptions options);
  ~Sampler();

  // The next sample() lists containers again (a container started, died or was updated).
  void markDirty() { dirty_ = true; }
  // The next sample() inspects this container again (its limits or labels were updated).
  void markChanged(const std::string& id) {
    changed_.insert(id);
    dirty_ = true;
  }
  Snapshot sample();

  std::uint64_t apiFallbacks() const { return api_fallbacks_; }

 private:
  struct Tracked;
  void refresh();
  void sampleFromApi(Tracked& t, ContainerUsage& u);

  docker::Client& client_;
  SamplerOptions options_;
  std::map<std::string, std::unique_ptr<Tracked>> tracked_;
  std::set<std::string> changed_;
  bool dirty_ = true;
  std::int64_t last_refresh_ms_ = 0;
  HostCpu last_cpu_;
  std::uint64_t api_fallbacks_ = 0;
  std::uint64_t samples_ = 0;
  std::string proc_stat_path_, meminfo_path_;
};

// The container's info from its inspect data.
ContainerInfo containerInfo(const docker::ContainerInspect& inspect);

}  // namespace shipshape::resources
