#include "dashboard/host_history.h"

#include <nlohmann/json.hpp>

namespace shipshape::dashboard {

using nlohmann::json;

HostHistory::HostHistory(std::chrono::milliseconds step, std::chrono::milliseconds window)
    : step_ms_(step.count()), window_ms_(window.count()) {}

bool HostHistory::add(const resources::Snapshot& snapshot) {
  std::lock_guard lock(mu_);
  if (!points_.empty() && snapshot.at_ms - points_.back().at_ms < step_ms_) return false;
  HostPoint p;
  p.at_ms = snapshot.at_ms;
  p.cpu_cores = snapshot.has_host_rates ? snapshot.host_cpu_busy * snapshot.cores : 0;
  if (snapshot.memory.total >= snapshot.memory.available) {
    p.memory_used = static_cast<std::int64_t>(snapshot.memory.total - snapshot.memory.available);
  }
  for (auto& m : meta_) m.second.running = false;
  for (const auto& c : snapshot.containers) {
    if (!c.info) continue;
    p.containers.push_back({.id = c.info->id,
                            .cpu_cores = c.has_rates ? c.cpu_cores : 0,
                            .memory_bytes = static_cast<std::int64_t>(c.raw.memory_working_set)});
    auto& m = meta_[c.info->id];
    m.id = c.info->id;
    m.name = c.info->name;
    m.image = c.info->image;
    m.cpu_limit_cores = static_cast<double>(c.info->nano_cpus_limit) / 1e9;
    if (m.cpu_limit_cores == 0 && c.info->cpu_quota > 0 && c.info->cpu_period > 0) {
      m.cpu_limit_cores = static_cast<double>(c.info->cpu_quota) / static_cast<double>(c.info->cpu_period);
    }
    m.memory_limit = c.info->memory_limit;
    m.running = true;
    m.last_seen_ms = snapshot.at_ms;
  }
  if (snapshot.cores) cores_ = snapshot.cores;
  if (snapshot.memory.total) memory_total_ = static_cast<std::int64_t>(snapshot.memory.total);
  points_.push_back(std::move(p));
  ++taken_;
  while (!points_.empty() && points_.back().at_ms - points_.front().at_ms > window_ms_) points_.pop_front();
  std::int64_t oldest = points_.front().at_ms;
  std::erase_if(meta_, [&](const auto& m) { return m.second.last_seen_ms < oldest; });
  return true;
}

std::uint64_t HostHistory::taken() const {
  std::lock_guard lock(mu_);
  return taken_;
}

std::string HostHistory::toJson(std::int64_t since_ms) const { return render(since_ms, false); }

std::string HostHistory::latestJson() const { return render(0, true); }

std::string HostHistory::render(std::int64_t since_ms, bool latest_only) const {
  std::lock_guard lock(mu_);
  if (latest_only && points_.empty()) return "";
  json containers = json::array();
  for (const auto& [id, m] : meta_) {
    containers.push_back({{"id", id},
                          {"name", m.name},
                          {"image", m.image},
                          {"cpu_limit_cores", m.cpu_limit_cores},
                          {"memory_limit_bytes", m.memory_limit},
                          {"running", m.running}});
  }
  auto point = [](const HostPoint& p) {
    json c = json::object();
    for (const auto& cp : p.containers) c[cp.id] = json::array({cp.cpu_cores, cp.memory_bytes});
    return json{{"t", p.at_ms}, {"cpu", p.cpu_cores}, {"mem", p.memory_used}, {"c", std::move(c)}};
  };
  json points = json::array();
  if (latest_only) {
    points.push_back(point(points_.back()));
  } else {
    for (const auto& p : points_) {
      if (p.at_ms > since_ms) points.push_back(point(p));
    }
  }
  json out = {{"step_ms", step_ms_},
              {"window_ms", window_ms_},
              {"cores", cores_},
              {"memory_total_bytes", memory_total_},
              {"containers", std::move(containers)},
              {"points", std::move(points)}};
  return out.dump();
}

}  // namespace shipshape::dashboard
