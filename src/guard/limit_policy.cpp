#include "guard/limit_policy.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "common/format.h"

namespace shipshape::guard {
namespace {

template <typename T>
T percentileOf(const std::vector<T>& values, std::size_t size, double p) {
  if (size == 0) return T{};
  std::vector<T> sorted(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(size));
  // Nearest-rank percentile: the smallest value with at least p% of the samples at or below it.
  std::size_t rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(rank - 1), sorted.end());
  return sorted[rank - 1];
}

}  // namespace

void UsageHistory::add(double cpu_cores, std::uint64_t working_set) {
  // Percentiles ignore order, so the ring's first `size_` slots are the samples whichever came first.
  cpu_[next_] = cpu_cores;
  memory_[next_] = working_set;
  next_ = (next_ + 1) % cpu_.size();
  size_ = std::min(size_ + 1, cpu_.size());
}

double UsageHistory::cpuPercentile(double p) const { return percentileOf(cpu_, size_, p); }
std::uint64_t UsageHistory::memoryPercentile(double p) const { return percentileOf(memory_, size_, p); }

Result<double> parseCpus(const std::string& text) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(v > 0) || v > 1024) {
    return fail(ErrorCode::kInvalidArgument, "'" + text + "' is not a number of CPUs like 0.5 or 2");
  }
  return v;
}

Result<LimitDecision> decideLimits(const resources::ContainerInfo& info, const UsageHistory& history,
                                   std::uint64_t memory_in_use, int host_cores, bool cpu, bool memory,
                                   const LimitPolicyOptions& o) {
  LimitDecision d;
  std::vector<std::string> why;
  if (cpu && !info.hasCpuLimit()) {
    double cores = 0;
    if (auto it = info.labels.find("shipshape.limits.cpus"); it != info.labels.end()) {
      auto v = parseCpus(it->second);
      if (!v) return fail(v.error().wrap("label shipshape.limits.cpus of " + info.name));
      cores = *v;
      why.push_back(fmt::format("{:.2f} CPUs from its shipshape.limits.cpus label", cores));
    } else if (o.cpus) {
      cores = *o.cpus;
      why.push_back(fmt::format("{:.2f} CPUs, the policy's fixed limit", cores));
    } else {
      double observed = history.cpuPercentile(o.percentile);
      double cap = o.max_host_cpu_share * host_cores;
      cores = std::max(o.min_cpus, std::min(observed * o.headroom, cap));
      why.push_back(fmt::format("{:.2f} CPUs = min(p{:.0f} of its use {:.2f} × headroom {:.2f}, {:.0f}% of {} cores)",
                                cores, o.percentile, observed, o.headroom, o.max_host_cpu_share * 100, host_cores));
    }
    d.nano_cpus = static_cast<std::int64_t>(std::llround(cores * 1e9));
  }
  if (memory && !info.hasMemoryLimit()) {
    std::uint64_t bytes = 0;
    std::string source;
    if (auto it = info.labels.find("shipshape.limits.memory"); it != info.labels.end()) {
      std::int64_t v = parseBytes(it->second);
      if (v <= 0) {
        return fail(ErrorCode::kInvalidArgument, "label shipshape.limits.memory of " + info.name + ": '" + it->second +
                                                     "' is not a size like 512m or 2g");
      }
      bytes = static_cast<std::uint64_t>(v);
      source = "its shipshape.limits.memory label";
    } else if (o.memory) {
      bytes = *o.memory;
      source = "the policy's fixed limit";
    } else {
      bytes = static_cast<std::uint64_t>(static_cast<double>(history.memoryPercentile(o.percentile)) * o.headroom);
      source = fmt::format("p{:.0f} of its working set × headroom {:.2f}", o.percentile, o.headroom);
    }
    auto floor = static_cast<std::uint64_t>(static_cast<double>(memory_in_use) * o.memory_margin);
    if (bytes < floor) {
      why.push_back(fmt::format("{} memory (raised from {} by {}: never below {} in use × {:.2f})", humanBytes(floor),
                                humanBytes(bytes), source, humanBytes(memory_in_use), o.memory_margin));
      bytes = floor;
    } else {
      why.push_back(fmt::format("{} memory from {}", humanBytes(bytes), source));
    }
    d.memory = static_cast<std::int64_t>(bytes);
  }
  for (const auto& w : why) d.why += (d.why.empty() ? "" : "; ") + w;
  return d;
}

}  // namespace shipshape::guard
