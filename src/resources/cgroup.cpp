#include "resources/cgroup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/file.h"
#include "common/format.h"

namespace shipshape::resources {
namespace {

bool isDir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// systemd's slice naming: "a-b.slice" lives at "a.slice/a-b.slice".
std::string expandSlice(const std::string& slice) {
  std::string name = slice.substr(0, slice.size() - 6);  // without ".slice"
  std::string out, prefix;
  std::size_t pos = 0;
  while (true) {
    auto dash = name.find('-', pos);
    std::string part = prefix + (prefix.empty() ? "" : "-") + name.substr(pos, dash == std::string::npos ? std::string::npos : dash - pos);
    out += (out.empty() ? "" : "/") + part + ".slice";
    if (dash == std::string::npos) break;
    prefix = part;
    pos = dash + 1;
  }
  return out;
}

// The container's cgroup path as /proc/<pid>/cgroup names it, for the hierarchy `controller` (v1) or the
// unified one (v2). Empty when unreadable or outside our view ("/.." under a private cgroup namespace).
std::string pathFromProc(const HostPaths& host, int pid, const char* controller) {
  if (pid <= 0) return {};
  auto text = readFile(host.proc_root + "/" + std::to_string(pid) + "/cgroup");
  if (!text) return {};
  std::string_view rest = *text;
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    auto c1 = line.find(':');
    auto c2 = line.find(':', c1 + 1);
    if (c1 == std::string_view::npos || c2 == std::string_view::npos) continue;
    std::string_view controllers = line.substr(c1 + 1, c2 - c1 - 1);
    std::string_view path = line.substr(c2 + 1);
    bool match = host.version == CgroupVersion::kV2 ? controllers.empty() : false;
    if (host.version == CgroupVersion::kV1) {
      std::size_t p = 0;
      while (p <= controllers.size()) {
        auto comma = controllers.find(',', p);
        if (controllers.substr(p, comma == std::string_view::npos ? std::string_view::npos : comma - p) == controller) match = true;
        if (comma == std::string_view::npos) break;
        p = comma + 1;
      }
    }
    if (match && !path.starts_with("/..") && path.size() > 1) return std::string(path.substr(1));
  }
  return {};
}

}  // namespace

HostPaths HostPaths::detect(const std::string& host_root) {
  HostPaths h;
  std::string root = host_root;
  if (const char* env = std::getenv("SHIPSHAPE_HOST_ROOT"); root.empty() && env) root = env;
  if (!root.empty()) {
    h.cgroup_root = root + "/sys/fs/cgroup";
    h.proc_root = root + "/proc";
  }
  h.version = exists(h.cgroup_root + "/cgroup.controllers") ? CgroupVersion::kV2 : CgroupVersion::kV1;
  return h;
}

Result<std::string> locateCgroup(const HostPaths& host, const CgroupQuery& q) {
  std::vector<std::string> candidates;
  std::string from_proc = pathFromProc(host, q.pid, "memory");
  if (!from_proc.empty()) candidates.push_back(from_proc);
  const std::string& parent = q.cgroup_parent;
  if (!parent.empty() && parent.ends_with(".slice")) {
    candidates.push_back(expandSlice(parent) + "/docker-" + q.id + ".scope");
  } else if (!parent.empty()) {
    std::string p = parent.front() == '/' ? parent.substr(1) : parent;
    candidates.push_back(p + "/" + q.id);
  }
  candidates.push_back("docker/" + q.id);                              // cgroupfs driver
  candidates.push_back("system.slice/docker-" + q.id + ".scope");      // systemd driver
  std::string base = host.version == CgroupVersion::kV2 ? host.cgroup_root + "/" : host.cgroup_root + "/memory/";
  for (const auto& c : candidates) {
    if (isDir(base + c)) return c;
  }
  return fail(ErrorCode::kNotFound, "no cgroup for container " + q.id.substr(0, 12) + " under " + base +
                                        " (looked for " + candidates.back() + " and " +
                                        std::to_string(candidates.size() - 1) + " other places)");
}

Result<std::unique_ptr<CgroupReader>> CgroupReader::open(const HostPaths& host, const CgroupQuery& q) {
  auto rel = locateCgroup(host, q);
  if (!rel) return fail(rel.error());
  std::unique_ptr<CgroupReader> r(new CgroupReader());
  for (int& fd : r->fds_) fd = -1;
  r->version_ = host.version;
  r->relative_path_ = *rel;
  auto openAt = [&](File f, const std::string& path) { r->fds_[f] = ::open(path.c_str(), O_RDONLY | O_CLOEXEC); };
  const std::string& root = host.cgroup_root;
  if (host.version == CgroupVersion::kV2) {
    std::string d = root + "/" + *rel + "/";
    openAt(kCpuStat, d + "cpu.stat");
    openAt(kMemUsage, d + "memory.current");
    openAt(kMemLimit, d + "memory.max");
    openAt(kMemStat, d + "memory.stat");
    openAt(kMemEvents, d + "memory.events");
    openAt(kPids, d + "pids.current");
    openAt(kPidsMax, d + "pids.max");
    openAt(kIo, d + "io.stat");
  } else {
    std::string cpuacct = isDir(root + "/cpuacct") ? root + "/cpuacct/" : root + "/cpu,cpuacct/";
    std::string cpu = isDir(root + "/cpu") ? root + "/cpu/" : root + "/cpu,cpuacct/";
    openAt(kCpuUsage, cpuacct + *rel + "/cpuacct.usage");
    openAt(kCpuStat, cpu + *rel + "/cpu.stat");
    std::string mem = root + "/memory/" + *rel + "/";
    openAt(kMemUsage, mem + "memory.usage_in_bytes");
    openAt(kMemLimit, mem + "memory.limit_in_bytes");
    openAt(kMemStat, mem + "memory.stat");
    openAt(kMemEvents, mem + "memory.oom_control");
    openAt(kMemFailcnt, mem + "memory.failcnt");
    openAt(kPids, root + "/pids/" + *rel + "/pids.current");
    openAt(kPidsMax, root + "/pids/" + *rel + "/pids.max");
    openAt(kIo, root + "/blkio/" + *rel + "/blkio.throttle.io_service_bytes");
  }
  if (q.pid > 0) openAt(kNetDev, host.proc_root + "/" + std::to_string(q.pid) + "/net/dev");
  // CPU and memory are the point; without them this cgroup is not readable for us.
  bool cpu_ok = host.version == CgroupVersion::kV2 ? r->fds_[kCpuStat] >= 0 : r->fds_[kCpuUsage] >= 0;
  if (!cpu_ok || r->fds_[kMemUsage] < 0) {
    return fail(ErrorCode::kIo, "cannot open the CPU/memory files of cgroup " + *rel + " under " + root + ": " +
                                    std::strerror(errno));
  }
  return r;
}

CgroupReader::~CgroupReader() {
  for (int fd : fds_) {
    if (fd >= 0) ::close(fd);
  }
}

const std::string* CgroupReader::readFile(File f) {
  int fd = fds_[f];
  if (fd < 0) return nullptr;
  if (buffer_.size() < 8192) buffer_.resize(8192);
  ssize_t n = ::pread(fd, buffer_.data(), buffer_.size(), 0);
  if (n < 0) return nullptr;
  // memory.stat is the only long file (~1.5 KiB); a full buffer means read again with room to spare.
  while (static_cast<std::size_t>(n) == buffer_.size()) {
    buffer_.resize(buffer_.size() * 2);
    n = ::pread(fd, buffer_.data(), buffer_.size(), 0);
    if (n < 0) return nullptr;
  }
  buffer_.resize(static_cast<std::size_t>(n));
  return &buffer_;
}

Result<CgroupSample> CgroupReader::read(const ReadPlan& plan) {
  CgroupSample s = last_;
  s.at_ns = monotonicNs();
  auto text = [&](File f) -> std::string_view {
    const std::string* t = readFile(f);
    return t ? std::string_view(*t) : std::string_view{};
  };
  // A removed cgroup's open files fail with ENODEV; that is the container going away.
  const std::string* usage = readFile(kMemUsage);
  if (!usage) return fail(ErrorCode::kNotFound, "cgroup " + relative_path_ + " is gone");
  s.memory_usage = parseNumber(*usage);
  std::uint64_t m[3];
  std::uint64_t c[4];
  bool v2 = version_ == CgroupVersion::kV2;
  if (v2) {
    scanFlatKeyed(text(kMemStat), {"inactive_file", "anon", "file"}, m);
    // cgroup v2 keeps CPU usage and throttling in one file: always read.
    scanFlatKeyed(text(kCpuStat), {"usage_usec", "nr_periods", "nr_throttled", "throttled_usec"}, c);
    s.cpu_usage_ns = c[0] * 1000;
    s.cpu_periods = c[1];
    s.cpu_throttled_periods = c[2];
    s.cpu_throttled_ns = c[3] * 1000;
  } else {
    scanFlatKeyed(text(kMemStat), {"total_inactive_file", "total_rss", "total_cache"}, m);
    s.cpu_usage_ns = parseNumber(text(kCpuUsage));
    if (plan.throttling) {
      scanFlatKeyed(text(kCpuStat), {"nr_periods", "nr_throttled", "throttled_time"}, c);
      s.cpu_periods = c[0];
      s.cpu_throttled_periods = c[1];
      s.cpu_throttled_ns = c[2];
    }
  }
  s.memory_working_set = s.memory_usage > m[0] ? s.memory_usage - m[0] : 0;
  s.memory_rss = m[1];
  s.memory_cache = m[2];
  if (plan.slow) {
    s.slow_at_ns = s.at_ns;
    s.memory_limit = parseLimit(text(kMemLimit));
    if (v2) {
      std::uint64_t e[2];
      scanFlatKeyed(text(kMemEvents), {"oom_kill", "max"}, e);
      s.oom_kills = e[0];
      s.memory_failcnt = e[1];
      s.io = parseIoStat(text(kIo));
    } else {
      std::uint64_t e[1];
      scanFlatKeyed(text(kMemEvents), {"oom_kill"}, e);
      s.oom_kills = e[0];
      s.memory_failcnt = parseNumber(text(kMemFailcnt));
      s.io = parseBlkioServiceBytes(text(kIo));
    }
    s.pids = parseNumber(text(kPids));
    s.pids_limit = parseLimit(text(kPidsMax));
    if (const std::string* net = readFile(kNetDev)) {
      s.net = parseNetDev(*net);
      s.has_net = true;
    }
  }
  last_ = s;
  return s;
}

}  // namespace shipshape::resources
