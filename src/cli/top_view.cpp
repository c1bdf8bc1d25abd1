#include "cli/top_view.h"

#include <algorithm>

#include <fmt/format.h>

#include "cli/text_table.h"
#include "common/format.h"

namespace shipshape::cli {

TopView buildTopView(const resources::Snapshot& s, TopSort sort) {
  TopView v;
  double busy_cores = s.host_cpu_busy * s.cores;
  std::size_t unlimited = 0;
  std::vector<const resources::ContainerUsage*> order;
  for (const auto& c : s.containers) order.push_back(&c);
  std::stable_sort(order.begin(), order.end(), [&](auto* a, auto* b) {
    if (sort == TopSort::kMemory) return a->raw.memory_working_set > b->raw.memory_working_set;
    if (sort == TopSort::kName) return a->info->name < b->info->name;
    return a->cpu_cores > b->cpu_cores;
  });
  v.columns = {"CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS", "LIMITS"};
  std::uint64_t host_memory = s.memory.total;
  for (const auto* c : order) {
    TopRow r;
    const auto& info = *c->info;
    r.id = shortId(info.id);
    r.name = info.name;
    r.cpu = c->has_rates ? fmt::format("{:.2f}%", c->cpu_cores * 100) : "--";
    std::uint64_t limit = c->raw.memory_limit ? c->raw.memory_limit : host_memory;
    r.memory = humanBytes(static_cast<std::int64_t>(c->raw.memory_working_set)) + " / " +
               humanBytes(static_cast<std::int64_t>(limit));
    r.memory_percent = limit ? fmt::format("{:.2f}%", 100.0 * static_cast<double>(c->raw.memory_working_set) / static_cast<double>(limit)) : "--";
    r.net = humanBytes(static_cast<std::int64_t>(c->raw.net.rx)) + " / " + humanBytes(static_cast<std::int64_t>(c->raw.net.tx));
    r.block = humanBytes(static_cast<std::int64_t>(c->raw.io.read)) + " / " + humanBytes(static_cast<std::int64_t>(c->raw.io.write));
    r.pids = std::to_string(c->raw.pids);
    std::vector<std::string> missing;
    if (!info.hasCpuLimit()) missing.push_back("cpu");
    if (!info.hasMemoryLimit()) missing.push_back("memory");
    if (info.pids_limit <= 0) missing.push_back("pids");
    r.unlimited = !info.hasCpuLimit() || !info.hasMemoryLimit();
    unlimited += r.unlimited;
    if (missing.empty()) {
      r.limits = "ok";
    } else {
      r.limits = "no ";
      for (std::size_t i = 0; i < missing.size(); ++i) r.limits += (i ? "/" : "") + missing[i];
    }
    v.rows.push_back(std::move(r));
  }
  v.header = fmt::format("host CPU {:.0f}% ({:.2f} of {} cores)  memory {} of {} in use  {} containers, {} without "
                         "CPU or memory limits  sample {:.1f} ms",
                         s.host_cpu_busy * 100, busy_cores, s.cores,
                         humanBytes(static_cast<std::int64_t>(s.memory.total - s.memory.available)),
                         humanBytes(static_cast<std::int64_t>(s.memory.total)), s.containers.size(), unlimited,
                         s.sample_cost_ms);
  return v;
}

std::string renderTopText(const TopView& view) {
  TextTable table(view.columns);
  for (const auto& r : view.rows) {
    table.addRow({r.id, r.name, r.cpu, r.memory, r.memory_percent, r.net, r.block, r.pids, r.limits});
  }
  return view.header + "\n" + table.render();
}

}  // namespace shipshape::cli
