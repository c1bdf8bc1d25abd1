// `shipshape lab`: the seed's production failures staged on this host with disposable resources of the lab's
// own (names `shipshape-lab-<run>-…`, label `shipshape.lab=<run>`), repaired by shipshape's real components and
// measured, each ending in a STAR report. Everything the lab made is removed at the end, also after Ctrl-C
// (the stop flag), unless `keep`.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "docker/client.h"

namespace shipshape::lab {

struct LabOptions {
  std::vector<std::string> scenarios;  // names; "all" = every one
  bool keep = false;
  std::string workload_image = "shipshape/testapp:dev";
  std::string docker_host;                   // -H / DOCKER_HOST, for components that open their own connection
  std::string work_dir;                      // backups and scratch files; a temporary directory when empty
  const std::atomic<bool>* stop = nullptr;   // Ctrl-C: the scenario stops at its next step, clean-up runs
  std::function<void(const std::string&)> say;  // progress lines (stderr)
};

struct LabAction {
  std::int64_t at_ms = 0;
  std::string what;
};

struct ScenarioResult {
  std::string name, title;
  std::string seed;  // what the seed's engineers needed, for comparison
  enum class Status { kRepaired, kFailed, kSkipped } status = Status::kFailed;
  bool detected = false, repaired = false;
  std::optional<std::int64_t> detect_ms, recover_ms;
  std::string situation, task, result;
  std::vector<LabAction> actions;
  std::vector<std::pair<std::string, std::string>> measurements;  // name -> value with its unit
  std::string skipped_because;  // kSkipped: what to install
  double seconds = 0;
};

struct LabRun {
  std::string run_id;
  std::vector<ScenarioResult> results;
  std::vector<std::string> cleanup_problems;
  bool ok() const;  // every scenario repaired
};

struct ScenarioInfo {
  std::string name, title, seed;
};
// Every scenario the lab knows, in the seed's order.
const std::vector<ScenarioInfo>& scenarios();

// Runs the chosen scenarios one after another against the engine `client` talks to.
LabRun runLab(docker::Client& client, const LabOptions& options);

std::string labTable(const LabRun& run);
std::string labJson(const LabRun& run);
std::string labMarkdown(const LabRun& run);

}  // namespace shipshape::lab
