// Parsers for the text files the kernel exposes under a cgroup and under /proc. Pure functions over the
// file's text, so that the formats of both cgroup v1 and v2 are unit-tested on recorded files.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace shipshape::resources {

// The values of `keys` in a "key value" file (memory.stat, cpu.stat, memory.events), in order (0 for a
// missing key); no allocation: these files are read every second, and only a few of their lines matter.
void scanFlatKeyed(std::string_view text, std::initializer_list<std::string_view> keys, std::uint64_t* values);

// A plain counter (cpuacct.usage, pids.current).
std::uint64_t parseNumber(std::string_view text);

// A limit; "max" (cgroup v2's "no limit") and v1's huge page-rounded "unlimited" values read as 0.
std::uint64_t parseLimit(std::string_view text);

struct IoBytes {
  std::uint64_t read = 0, write = 0;
};
// cgroup v1 blkio.throttle.io_service_bytes: "8:0 Read 4096" lines, summed over devices.
IoBytes parseBlkioServiceBytes(std::string_view text);
// cgroup v2 io.stat: "8:0 rbytes=4096 wbytes=0 rios=1 ..." lines, summed over devices.
IoBytes parseIoStat(std::string_view text);

struct NetBytes {
  std::uint64_t rx = 0, tx = 0;
};
// /proc/<pid>/net/dev of a process inside the container's network namespace; loopback excluded.
NetBytes parseNetDev(std::string_view text);

struct HostCpu {
  std::uint64_t busy_ticks = 0, total_ticks = 0;
  int cores = 0;
};
// /proc/stat: the aggregate "cpu" line (busy = total - idle - iowait) and the number of "cpuN" lines.
HostCpu parseProcStat(std::string_view text);

struct HostMemory {
  std::uint64_t total = 0, available = 0;
};
// /proc/meminfo (MemTotal, MemAvailable in kB) in bytes.
HostMemory parseMeminfo(std::string_view text);

}  // namespace shipshape::resources
