// Finding a container's cgroup and reading its counters straight from the cgroup filesystem, v1 and v2.
//
// Files stay open between samples and are re-read with pread at offset 0 (the kernel regenerates them), so a
// sample of one container costs a handful of syscalls and no path lookups. Inside shipshape's own container
// the host's /sys/fs/cgroup and /proc are mounted under a host root (`--host-root /host`).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "resources/cgroup_files.h"

namespace shipshape::resources {

enum class CgroupVersion { kV1, kV2 };

struct HostPaths {
  std::string cgroup_root = "/sys/fs/cgroup";
  std::string proc_root = "/proc";
  CgroupVersion version = CgroupVersion::kV1;

  // `host_root` empty: $SHIPSHAPE_HOST_ROOT, or else this machine's own /sys/fs/cgroup and /proc; otherwise
  // both under it. The version is read from the hierarchy (a unified root has cgroup.controllers).
  static HostPaths detect(const std::string& host_root = "");
};

// What identifies a container's cgroup in its inspect data.
struct CgroupQuery {
  std::string id;
  std::string cgroup_parent;  // HostConfig.CgroupParent ("" = the driver's default)
  int pid = 0;                // State.Pid, for /proc/<pid>/cgroup and /proc/<pid>/net/dev
};

// The cgroup path relative to each hierarchy's root ("docker/<id>", "system.slice/docker-<id>.scope", ...),
// or kNotFound naming the places looked at.
Result<std::string> locateCgroup(const HostPaths& host, const CgroupQuery& query);

// Raw counters of one container at one instant (cumulative values as the kernel keeps them).
struct CgroupSample {
  std::int64_t at_ns = 0;  // CLOCK_MONOTONIC
  std::uint64_t cpu_usage_ns = 0;
  std::uint64_t cpu_periods = 0, cpu_throttled_periods = 0, cpu_throttled_ns = 0;
  std::uint64_t memory_usage = 0, memory_limit = 0;  // limit 0 = none
  std::uint64_t memory_working_set = 0;  // usage - inactive file pages (cAdvisor; docker stats shows this too)
  std::uint64_t memory_rss = 0, memory_cache = 0, memory_failcnt = 0;
  std::uint64_t oom_kills = 0;
  std::uint64_t pids = 0, pids_limit = 0;
  IoBytes io;
  NetBytes net;
  bool has_net = false;
  std::int64_t slow_at_ns = 0;  // when the slow counters (below the CPU and memory ones) were last read
};

// What one read covers. CPU and memory are read every time; the slowly changing or rarely needed counters
// (OOM kills, failcnt, PIDs, block and network I/O, limits) only when `slow`, and throttling only for a
// container that has a CPU quota (without one it cannot be throttled). Each skipped file is a syscall saved:
// on a VM a cgroup pread costs microseconds, times files, times containers, every second.
struct ReadPlan {
  bool slow = true;
  bool throttling = true;
};

// Open files of one container's cgroup. Not thread-safe; one per container.
class CgroupReader {
 public:
  static Result<std::unique_ptr<CgroupReader>> open(const HostPaths& host, const CgroupQuery& query);
  ~CgroupReader();
  CgroupReader(const CgroupReader&) = delete;
  CgroupReader& operator=(const CgroupReader&) = delete;

  // Fails (kNotFound) once the cgroup is gone. Counters a plan skips keep their last values.
  Result<CgroupSample> read(const ReadPlan& plan = {});
  const std::string& path() const { return relative_path_; }

 private:
  enum File { kCpuUsage, kCpuStat, kMemUsage, kMemLimit, kMemStat, kMemEvents, kMemFailcnt, kPids, kPidsMax, kIo,
              kNetDev, kFileCount };
  CgroupReader() = default;
  // The file's text (reused buffer), or nullopt when it cannot be read.
  const std::string* readFile(File f);

  CgroupVersion version_ = CgroupVersion::kV1;
  std::string relative_path_;
  int fds_[kFileCount];
  std::string buffer_;
  CgroupSample last_;
};

}  // namespace shipshape::resources
