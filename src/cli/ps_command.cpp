// shipshape ps: every container (running or not: a stopped one is one `start` away) with its state,
// health and resource limits, which docker ps does not show.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/text_table.h"
#include "common/format.h"
#include "common/log.h"

namespace shipshape::cli {
namespace {

nlohmann::json limitsJson(const docker::HostConfig& h) {
  std::int64_t nano = h.effectiveNanoCpus();
  return {{"memory_bytes", h.memory},
          {"memory_reservation_bytes", h.memory_reservation},
          {"memory_swap_bytes", h.memory_swap},
          {"nano_cpus", nano},
          {"cpus", static_cast<double>(nano) / 1e9},
          {"cpu_quota", h.cpu_quota},
          {"cpu_period", h.cpu_period},
          {"cpu_shares", h.cpu_shares},
          {"cpuset_cpus", h.cpuset_cpus},
          {"pids", h.hasPidsLimit() ? *h.pids_limit : 0},
          {"memory_limited", h.memory > 0},
          {"cpu_limited", nano > 0}};
}

nlohmann::json containerJson(const docker::ContainerInspect& c, const docker::ContainerSummary& s) {
  return {{"id", c.id},
          {"name", c.name},
          {"image", s.image.empty() ? c.config.image : s.image},
          {"image_id", c.image_id},
          {"created", c.created},
          {"state", c.state.status},
          {"status", s.status},
          {"exit_code", c.state.exit_code},
          {"oom_killed", c.state.oom_killed},
          {"restart_count", c.restart_count},
          {"health", c.healthStatus()},
          {"failing_streak", c.state.health ? c.state.health->failing_streak : 0},
          {"restart_policy", c.host_config.restart_policy.name.empty() ? "no" : c.host_config.restart_policy.name},
          {"limits", limitsJson(c.host_config)},
          {"labels", c.config.labels}};
}

std::vector<std::string> tableRow(const docker::ContainerInspect& c, const docker::ContainerSummary& s) {
  const auto& h = c.host_config;
  std::int64_t nano = h.effectiveNanoCpus();
  std::string memory = h.memory > 0 ? humanBytes(h.memory) : "unlimited";
  std::string cpus = nano > 0 ? formatCpus(nano) : "unlimited";
  std::string pids = h.hasPidsLimit() ? std::to_string(*h.pids_limit) : "unlimited";
  std::string policy = h.restart_policy.name.empty() ? "no" : h.restart_policy.name;
  return {shortId(c.id), c.name, s.image.empty() ? c.config.image : s.image, c.state.status, c.healthStatus(),
          cpus, memory, pids, policy};
}

}  // namespace

ExitCode runPs(const GlobalOptions& global, const PsOptions& options) {
  if (options.format != "table" && options.format != "json") {
    std::fprintf(stderr, "shipshape: --format must be table or json, not '%s'\n", options.format.c_str());
    return ExitCode::kError;
  }
  auto client = makeClient(global);
  if (!client) {
    printError(client.error());
    return ExitCode::kError;
  }
  docker::ContainerListOptions list_options;
  list_options.all = !options.running_only;
  for (const auto& f : options.filters) {
    auto eq = f.find('=');
    if (eq == std::string::npos) {
      std::fprintf(stderr, "shipshape: --filter '%s' is not key=value\n", f.c_str());
      return ExitCode::kError;
    }
    list_options.filters[f.substr(0, eq)].push_back(f.substr(eq + 1));
  }
  auto containers = (*client)->listContainers(list_options);
  if (!containers) {
    printError(containers.error());
    return ExitCode::kError;
  }
  if (options.quiet) {
    for (const auto& s : *containers) std::printf("%s\n", s.id.c_str());
    return ExitCode::kOk;
  }

  nlohmann::json json_rows = nlohmann::json::array();
  TextTable table({"CONTAINER ID", "NAME", "IMAGE", "STATE", "HEALTH", "CPUS", "MEMORY", "PIDS", "RESTART"});
  for (const auto& s : *containers) {
    auto inspected = (*client)->inspectContainer(s.id);
    if (!inspected) {
      // Removed between the list and the inspect: it is simply gone, not an error.
      if (inspected.error().code == ErrorCode::kNotFound) {
        SHIPSHAPE_LOG(cli, debug, "[ctr={}] vanished while listing", shortId(s.id));
        continue;
      }
      printError(inspected.error());
      return ExitCode::kError;
    }
    if (options.format == "json") {
      json_rows.push_back(containerJson(*inspected, s));
    } else {
      table.addRow(tableRow(*inspected, s));
    }
  }
  if (options.format == "json") {
    std::printf("%s\n", json_rows.dump(2).c_str());
  } else {
    std::fputs(table.render().c_str(), stdout);
  }
  return ExitCode::kOk;
}

}  // namespace shipshape::cli
