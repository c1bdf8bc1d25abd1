#include "guard/starvation.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/format.h"
#include "heal/healer.h"

namespace shipshape::guard {
namespace {

std::string limitText(const resources::ContainerInfo& info) {
  std::string cpu = info.hasCpuLimit() ? formatCpus(info.nano_cpus_limit) + " CPUs" : "no CPU limit";
  std::string mem =
      info.hasMemoryLimit() ? humanBytes(static_cast<std::uint64_t>(info.memory_limit)) + " memory" : "no memory limit";
  return cpu + ", " + mem;
}

std::string offenderList(const std::vector<Offender>& offenders, bool cpu) {
  std::string out;
  for (const auto& o : offenders) {
    if (!out.empty()) out += "; ";
    out += fmt::format("{} uses {} ({:.0f}% of the host's use; {})", o.info->name,
                       cpu ? fmt::format("{:.2f} cores", o.cpu_cores) : humanBytes(o.memory), o.share * 100,
                       limitText(*o.info));
  }
  return out;
}

}  // namespace

const char* kindName(Detection::Kind kind) {
  switch (kind) {
    case Detection::Kind::kCpuStarvation: return "cpu-starvation";
    case Detection::Kind::kMemoryStarvation: return "memory-starvation";
    case Detection::Kind::kOomKill: return "oom-kill";
    case Detection::Kind::kCpuThrottled: return "cpu-throttled";
  }
  return "starvation";
}

int StarvationDetector::step(Condition& c, bool now_true, std::int64_t now, std::chrono::milliseconds window) const {
  if (now_true) {
    c.clear_since = -1;
    if (c.true_since < 0) c.true_since = now;
    if (!c.active && now - c.true_since >= window.count()) {
      c.active = true;
      c.started_at = c.true_since;
      return +1;
    }
    return 0;
  }
  c.true_since = -1;
  if (!c.active) return 0;
  if (c.clear_since < 0) c.clear_since = now;
  if (now - c.clear_since >= window.count() / 2) {
    c.active = false;
    c.clear_since = -1;
    return -1;
  }
  return 0;
}

namespace {

// The fewest containers that together use `dominant_share` of `total`, largest first. A protected container
// (shipshape.protect=true) is named when it ranks among them, but what it uses is not the guardian's to take
// back: it counts neither toward the share nor toward max_offenders, and the others are judged on what is
// left. Otherwise a protected container using half of the host would shield the unprotected hog beside it.
// Beside a protected one, another container must itself use dominant_share / max_offenders of the total (a
// sixth by default) to be named: a small container next to a protected hog is its victim, not an offender.
std::vector<Offender> dominantFew(std::vector<std::pair<double, Offender>> by_use, double total,
                                  const StarvationOptions& options) {
  if (total <= 0) return {};
  std::stable_sort(by_use.begin(), by_use.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<Offender> out;
  double kept = 0, taken = 0;
  int unprotected = 0;
  for (auto& [use, offender] : by_use) {
    if (heal::isProtected(offender.info->labels)) {
      kept += use;
      out.push_back(std::move(offender));
      continue;
    }
    if (unprotected >= options.max_offenders) break;
    if (kept > 0 && use < options.dominant_share / options.max_offenders * total) break;
    ++unprotected;
    taken += use;
    out.push_back(std::move(offender));
    if (taken >= options.dominant_share * (total - kept)) return out;
  }
  // No few others account for most of the rest. When protected containers take most of the host themselves,
  // they are named (and left alone); otherwise nobody is.
  if (kept < options.dominant_share * total) return {};
  std::erase_if(out, [](const Offender& o) { return !heal::isProtected(o.info->labels); });
  return out;
}

}  // namespace

std::vector<Offender> StarvationDetector::cpuOffenders(const resources::Snapshot& s) const {
  // Judged on the averages over the saturated window, not the last sample: one noisy second must not decide
  // which container gets limited.
  double busy = window_samples_ > 0 ? window_busy_ / window_samples_ : s.host_cpu_busy * s.cores;
  std::vector<std::pair<double, Offender>> by_cpu;
  for (const auto& c : s.containers) {
    if (!c.has_rates) continue;
    auto it = window_cpu_.find(c.info->id);
    double cores = it != window_cpu_.end() && window_samples_ > 0 ? it->second / window_samples_ : c.cpu_cores;
    by_cpu.push_back({cores, {c.info, cores, c.raw.memory_working_set, busy > 0 ? std::min(1.0, cores / busy) : 0}});
  }
  return dominantFew(std::move(by_cpu), busy, options_);
}

std::vector<Offender> StarvationDetector::memoryOffenders(const resources::Snapshot& s) const {
  double used = static_cast<double>(s.memory.total - s.memory.available);
  std::vector<std::pair<double, Offender>> by_mem;
  for (const auto& c : s.containers) {
    double ws = static_cast<double>(c.raw.memory_working_set);
    by_mem.push_back({ws, {c.info, c.cpu_cores, c.raw.memory_working_set, used > 0 ? std::min(1.0, ws / used) : 0}});
  }
  return dominantFew(std::move(by_mem), used, options_);
}

std::vector<Detection> StarvationDetector::observe(const resources::Snapshot& s) {
  std::vector<Detection> out;
  std::int64_t now = s.at_ms;
  if (s.has_host_rates) {
    bool cpu_saturated = s.host_cpu_busy >= options_.host_cpu;
    // Per-container CPU over the current saturated stretch, for naming the offenders fairly.
    if (cpu_saturated) {
      for (const auto& c : s.containers) {
        if (c.has_rates) window_cpu_[c.info->id] += c.cpu_cores;
      }
      window_busy_ += s.host_cpu_busy * s.cores;
      ++window_samples_;
    } else {
      window_cpu_.clear();
      window_busy_ = 0;
      window_samples_ = 0;
    }
    if (int change = step(cpu_, cpu_saturated, now, options_.window)) {
      Detection d{
          .kind = Detection::Kind::kCpuStarvation, .started = change > 0, .since_ms = cpu_.started_at, .at_ms = now};
      if (change > 0) {
        d.offenders = cpuOffenders(s);
        d.situation = fmt::format("host CPU {:.0f}% busy across {} cores for {:.0f} s (threshold {:.0f}%); ",
                                  s.host_cpu_busy * 100, s.cores, static_cast<double>(now - cpu_.started_at) / 1000,
                                  options_.host_cpu * 100) +
                      (d.offenders.empty() ? std::string("no few containers account for most of it")
                                           : offenderList(d.offenders, true));
      } else {
        d.situation = fmt::format("host CPU back to {:.0f}% busy", s.host_cpu_busy * 100);
      }
      out.push_back(std::move(d));
    }
  }
  if (s.memory.total > 0) {
    bool mem_saturated = s.memoryUsedRatio() >= options_.host_memory;
    if (int change = step(memory_, mem_saturated, now, options_.window)) {
      Detection d{.kind = Detection::Kind::kMemoryStarvation,
                  .started = change > 0,
                  .since_ms = memory_.started_at,
                  .at_ms = now};
      if (change > 0) {
        d.offenders = memoryOffenders(s);
        d.situation = fmt::format("host memory {:.0f}% in use ({} of {} available) for {:.0f} s (threshold {:.0f}%); ",
                                  s.memoryUsedRatio() * 100, humanBytes(s.memory.available), humanBytes(s.memory.total),
                                  static_cast<double>(now - memory_.started_at) / 1000, options_.host_memory * 100) +
                      (d.offenders.empty() ? std::string("no few containers account for most of it")
                                           : offenderList(d.offenders, false));
      } else {
        d.situation = fmt::format("host memory back to {:.0f}% in use", s.memoryUsedRatio() * 100);
      }
      out.push_back(std::move(d));
    }
  }
  std::map<std::string, bool> seen;
  for (const auto& c : s.containers) {
    const auto& id = c.info->id;
    seen[id] = true;
    names_[id] = c.info->name;
    if (!c.has_rates) continue;
    // OOM kills: at once, and over once no new kill came for a window.
    Condition& oom = oom_[id];
    if (c.new_oom_kills > 0) {
      last_oom_at_[id] = now;
      if (!oom.active) {
        oom.active = true;
        oom.started_at = now;
        Detection d{.kind = Detection::Kind::kOomKill,
                    .subject = c.info->name,
                    .container_id = id,
                    .since_ms = now,
                    .at_ms = now};
        d.offenders.push_back({c.info, c.cpu_cores, c.raw.memory_working_set, 1.0});
        d.situation = fmt::format("the kernel OOM-killed {} process(es) in {} at {} in use ({}; {} kills in all)",
                                  c.new_oom_kills, c.info->name, humanBytes(c.raw.memory_usage),
                                  c.raw.memory_limit ? "limit " + humanBytes(c.raw.memory_limit)
                                                     : std::string("no memory limit: the host ran out"),
                                  c.raw.oom_kills);
        out.push_back(std::move(d));
      }
    } else if (oom.active && now - last_oom_at_[id] >= options_.window.count()) {
      oom.active = false;
      out.push_back(
          {.kind = Detection::Kind::kOomKill,
           .started = false,
           .subject = c.info->name,
           .container_id = id,
           .since_ms = oom.started_at,
           .at_ms = now,
           .situation = fmt::format("no OOM kill in {} for {:.0f} s", c.info->name, options_.window.count() / 1000.0)});
    }
    // Throttling: only a container with a CPU quota can be throttled.
    Condition& th = throttled_[id];
    if (int change =
            step(th, c.raw.cpu_periods > 0 && c.throttled_ratio >= options_.throttle_ratio, now, options_.window)) {
      Detection d{.kind = Detection::Kind::kCpuThrottled,
                  .started = change > 0,
                  .subject = c.info->name,
                  .container_id = id,
                  .since_ms = th.started_at,
                  .at_ms = now};
      d.offenders.push_back({c.info, c.cpu_cores, c.raw.memory_working_set, 1.0});
      d.situation = change > 0 ? fmt::format(
                                     "{} throttled in {:.0f}% of its CPU periods for {:.0f} s, using {:.2f} cores of "
                                     "its {}",
                                     c.info->name, c.throttled_ratio * 100,
                                     static_cast<double>(now - th.started_at) / 1000, c.cpu_cores, limitText(*c.info))
                               : fmt::format("{} no longer throttled ({:.0f}% of periods)", c.info->name,
                                             c.throttled_ratio * 100);
      out.push_back(std::move(d));
    }
  }
  // A container that went away ends its own conditions.
  for (auto* conditions : {&throttled_, &oom_}) {
    for (auto it = conditions->begin(); it != conditions->end();) {
      if (seen.contains(it->first)) {
        ++it;
        continue;
      }
      if (it->second.active) {
        Detection::Kind kind = conditions == &oom_ ? Detection::Kind::kOomKill : Detection::Kind::kCpuThrottled;
        out.push_back({.kind = kind,
                       .started = false,
                       .subject = names_[it->first],
                       .container_id = it->first,
                       .since_ms = it->second.started_at,
                       .at_ms = now,
                       .situation = "the container is no longer running"});
      }
      last_oom_at_.erase(it->first);
      if (conditions == &oom_ && !throttled_.contains(it->first)) names_.erase(it->first);
      it = conditions->erase(it);
    }
  }
  return out;
}

}  // namespace shipshape::guard
