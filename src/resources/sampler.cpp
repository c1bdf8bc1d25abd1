#include "resources/sampler.h"


#include <algorithm>

#include "common/file.h"
#include "common/format.h"
#include "common/log.h"

namespace shipshape::resources {

struct Sampler::Tracked {
  std::shared_ptr<const ContainerInfo> info;
  std::unique_ptr<CgroupReader> reader;  // null: read through the API
  CgroupSample last;
  bool has_last = false;
  // Rates of the slow counters, kept between their reads.
  double net_rx = 0, net_tx = 0, io_read = 0, io_write = 0;
};

namespace {

double perSecond(std::uint64_t now, std::uint64_t before, double seconds) {
  return now >= before && seconds > 0 ? static_cast<double>(now - before) / seconds : 0;
}

}  // namespace

ContainerInfo containerInfo(const docker::ContainerInspect& c) {
  ContainerInfo info;
  info.id = c.id;
  info.name = c.name;
  info.image = c.config.image;
  info.labels = c.config.labels;
  info.pid = c.state.pid;
  info.nano_cpus_limit = c.host_config.effectiveNanoCpus();
  info.memory_limit = c.host_config.memory;
  info.cpu_shares = c.host_config.cpu_shares;
  info.cpu_quota = c.host_config.cpu_quota;
  info.cpu_period = c.host_config.cpu_period;
  info.pids_limit = c.host_config.pids_limit.value_or(0);
  return info;
}

Sampler::Sampler(docker::Client& client, SamplerOptions options)
    : client_(client),
      options_(std::move(options)),
      proc_stat_path_(options_.host.proc_root + "/stat"),
      meminfo_path_(options_.host.proc_root + "/meminfo") {}

Sampler::~Sampler() = default;

void Sampler::refresh() {
  docker::ContainerListOptions list{.all = false};
  if (!options_.only_label.empty()) list.filters = {{"label", {options_.only_label}}};
  auto running = client_.listContainers(list);
  if (!running) {
    SHIPSHAPE_LOG(resources, warn, "listing containers: {}", running.error().describe());
    return;
  }
  dirty_ = false;
  last_refresh_ms_ = nowMs();
  std::map<std::string, std::unique_ptr<Tracked>> next;
  for (const auto& summary : *running) {
    auto existing = tracked_.find(summary.id);
    if (existing != tracked_.end() && !changed_.contains(summary.id)) {
      next.emplace(summary.id, std::move(existing->second));
      continue;
    }
    auto inspect = client_.inspectContainer(summary.id);
    if (!inspect) continue;  // gone between list and inspect
    auto info = std::make_shared<const ContainerInfo>(containerInfo(*inspect));
    if (existing != tracked_.end() && existing->second && existing->second->info->pid == info->pid) {
      existing->second->info = info;  // limits or labels changed; the cgroup did not
      next.emplace(summary.id, std::move(existing->second));
      continue;
    }
    auto t = std::make_unique<Tracked>();
    t->info = info;
    if (options_.host_is_engine) {
      auto reader = CgroupReader::open(options_.host, {.id = info->id, .cgroup_parent = inspect->host_config.cgroup_parent,
                                                       .pid = info->pid});
      if (reader) {
        t->reader = std::move(*reader);
      } else {
        SHIPSHAPE_LOG(resources, debug, "{}: {}; using the Engine API's stats", info->name, reader.error().describe());
      }
    }
    next.emplace(summary.id, std::move(t));
  }
  tracked_ = std::move(next);
  changed_.clear();
}

void Sampler::sampleFromApi(Tracked& t, ContainerUsage& u) {
  ++api_fallbacks_;
  auto s = client_.stats(t.info->id, /*one_shot=*/true);
  if (!s) return;
  CgroupSample& r = u.raw;
  r.at_ns = monotonicNs();
  r.slow_at_ns = r.at_ns;  // the API answers everything at once
  r.cpu_usage_ns = s->cpu_total;
  r.cpu_throttled_periods = s->throttled_periods;
  r.cpu_throttled_ns = s->throttled_time_ns;
  r.memory_usage = s->memory_usage;
  r.memory_limit = t.info->memory_limit > 0 ? static_cast<std::uint64_t>(t.info->memory_limit) : 0;
  r.memory_working_set = docker::memoryWorkingSet(*s);
  auto stat = [&](const char* v1, const char* v2) {
    auto it = s->memory_stats.find(v1);
    if (it == s->memory_stats.end()) it = s->memory_stats.find(v2);
    return it == s->memory_stats.end() ? 0ULL : static_cast<unsigned long long>(it->second);
  };
  r.memory_rss = stat("total_rss", "anon");
  r.memory_cache = stat("total_cache", "file");
  r.memory_failcnt = s->memory_failcnt;
  r.pids = s->pids_current;
  r.pids_limit = s->pids_limit;
  r.io = {s->block_read_bytes, s->block_write_bytes};
  r.net = {s->net_rx_bytes, s->net_tx_bytes};
  r.has_net = true;
  u.from_api = true;
}

Snapshot Sampler::sample() {
  std::int64_t started = monotonicNs();
  if (dirty_ || nowMs() - last_refresh_ms_ >= options_.refresh_every.count()) refresh();
  Snapshot snap;
  snap.at_ms = nowMs();
  if (options_.host_is_engine) {
    if (auto stat = readFile(proc_stat_path_)) {
      HostCpu cpu = parseProcStat(*stat);
      snap.cores = cpu.cores;
      if (last_cpu_.total_ticks > 0 && cpu.total_ticks > last_cpu_.total_ticks) {
        snap.host_cpu_busy = static_cast<double>(cpu.busy_ticks - last_cpu_.busy_ticks) /
                             static_cast<double>(cpu.total_ticks - last_cpu_.total_ticks);
        snap.has_host_rates = true;
      }
      last_cpu_ = cpu;
    }
    if (auto meminfo = readFile(meminfo_path_)) snap.memory = parseMeminfo(*meminfo);
  }
  snap.containers.reserve(tracked_.size());
  bool slow_pass = samples_++ % static_cast<std::uint64_t>(std::max(1, options_.slow_every)) == 0;
  for (auto it = tracked_.begin(); it != tracked_.end();) {
    Tracked& t = *it->second;
    ContainerUsage u;
    u.info = t.info;
    if (t.reader) {
      // A new container gets everything on its first read.
      ReadPlan plan{.slow = slow_pass || !t.has_last, .throttling = t.info->hasCpuLimit()};
      auto raw = t.reader->read(plan);
      if (!raw) {
        // The cgroup went away: the container stopped. Forget it; the next refresh knows the rest.
        it = tracked_.erase(it);
        dirty_ = true;
        continue;
      }
      u.raw = *raw;
    } else {
      sampleFromApi(t, u);
      if (u.raw.at_ns == 0) {
        ++it;
        continue;
      }
    }
    if (t.has_last && u.raw.at_ns > t.last.at_ns) {
      const CgroupSample& a = t.last;
      const CgroupSample& b = u.raw;
      double seconds = static_cast<double>(b.at_ns - a.at_ns) / 1e9;
      u.has_rates = true;
      u.cpu_cores = perSecond(b.cpu_usage_ns, a.cpu_usage_ns, seconds) / 1e9;
      std::uint64_t periods = b.cpu_periods - a.cpu_periods;
      u.throttled_ratio = periods > 0 && b.cpu_periods >= a.cpu_periods
                              ? static_cast<double>(b.cpu_throttled_periods - a.cpu_throttled_periods) / static_cast<double>(periods)
                              : 0;
      u.new_oom_kills = b.oom_kills > a.oom_kills ? b.oom_kills - a.oom_kills : 0;
      if (b.slow_at_ns > a.slow_at_ns) {
        double slow_seconds = static_cast<double>(b.slow_at_ns - a.slow_at_ns) / 1e9;
        t.net_rx = perSecond(b.net.rx, a.net.rx, slow_seconds);
        t.net_tx = perSecond(b.net.tx, a.net.tx, slow_seconds);
        t.io_read = perSecond(b.io.read, a.io.read, slow_seconds);
        t.io_write = perSecond(b.io.write, a.io.write, slow_seconds);
      }
      u.net_rx_per_s = t.net_rx;
      u.net_tx_per_s = t.net_tx;
      u.io_read_per_s = t.io_read;
      u.io_write_per_s = t.io_write;
    }
    // Skipped slow counters carry their last values (and slow_at_ns), so the next slow pass's rates span
    // the time between the two slow reads.
    t.last = u.raw;
    t.has_last = true;
    snap.containers.push_back(std::move(u));
    ++it;
  }
  snap.sample_cost_ms = static_cast<double>(monotonicNs() - started) / 1e6;
  return snap;
}

}  // namespace shipshape::resources
