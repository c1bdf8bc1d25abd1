// What limits to give a container that starves the host: from its labels (`shipshape.limits.cpus`,
// `shipshape.limits.memory`), else the config's fixed values, else a percentile of its own observed usage
// times a headroom — capped to a share of the host for CPU, and never below what it uses now for memory (a
// limit under current use would make the kernel reclaim or OOM-kill at once). Pure; unit-tested.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "resources/sampler.h"

namespace shipshape::guard {

struct LimitPolicyOptions {
  std::optional<double> cpus;           // fixed CPU limit, in cores
  std::optional<std::uint64_t> memory;  // fixed memory limit, in bytes
  double percentile = 95;
  double headroom = 1.5;
  double max_host_cpu_share = 0.5;  // a computed CPU limit is at most this share of the host's cores
  double min_cpus = 0.1;
  double memory_margin = 1.25;  // memory limit at least current use times this
};

// A container's recent usage: a ring of the last `capacity` samples, allocated (and touched) in full when
// the container first appears, so the guardian's memory is flat from then on instead of creeping up as
// histories fill.
class UsageHistory {
 public:
  explicit UsageHistory(std::size_t capacity = 600) : cpu_(std::max<std::size_t>(1, capacity)), memory_(cpu_.size()) {}
  void add(double cpu_cores, std::uint64_t working_set);
  std::size_t size() const { return size_; }
  double cpuPercentile(double p) const;
  std::uint64_t memoryPercentile(double p) const;

 private:
  std::vector<double> cpu_;
  std::vector<std::uint64_t> memory_;
  std::size_t next_ = 0, size_ = 0;
};

struct LimitDecision {
  std::optional<std::int64_t> nano_cpus;
  std::optional<std::int64_t> memory;
  std::string why;  // how the values were chosen, for the incident's action
};

// `cpu` / `memory`: which dimensions to limit. Dimensions the container already limits are left alone.
// An error means the labels are malformed (named in the message).
Result<LimitDecision> decideLimits(const resources::ContainerInfo& info, const UsageHistory& history,
                                   std::uint64_t memory_in_use, int host_cores, bool cpu, bool memory,
                                   const LimitPolicyOptions& options);

// "0.5" -> 0.5 cores; errors name the text.
Result<double> parseCpus(const std::string& text);

}  // namespace shipshape::guard
