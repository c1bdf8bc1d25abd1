#include "lab/lab.h"

#include <unistd.h>

#include <filesystem>
#include <map>
#include <random>

#include "common/format.h"
#include "lab/lab_context.h"
#include "lab/scenarios.h"

namespace shipshape::lab {
namespace {

namespace fs = std::filesystem;

using Runner = ScenarioResult (*)(LabContext&);

struct Entry {
  ScenarioInfo info;
  Runner run = nullptr;  // null: not in the lab yet
};

const std::vector<Entry>& entries() {
  static const std::vector<Entry> kEntries = {
      {{"starvation", "Resource starvation", "10 min to restore service"}, runStarvation},
      {{"daemon-crash", "Daemon crash and overlay2 corruption", "15 min to recover the node"}, runDaemonCrash},
      {{"data-loss", "Data loss from an anonymous volume", "restored from backup \"within SLA\""}, runDataLoss},
      {{"root", "Root containers", "found by audit, by hand"}, runRoot},
      {{"bad-deploy", "Failed rolling deployment", "3 min to roll back"}, runBadDeploy},
      {{"registry-auth", "Registry auth failure in CI", "20 min to fix the pipeline"}, runRegistryAuth},
  };
  return kEntries;
}

std::string newRunId() {
  std::random_device rd;
  static const char* kHex = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 6; ++i) id += kHex[rd() % 16];
  return id;
}

// Everything of this run: containers and volumes by label, then the volumes the scenarios tracked.
std::vector<std::string> cleanUp(docker::Client& client, const LabContext& ctx) {
  std::vector<std::string> problems;
  std::string label = "shipshape.lab=" + ctx.runId();
  if (auto list = client.listContainers({.all = true, .filters = {{"label", {label}}}})) {
    for (const auto& c : *list) {
      if (auto rm = client.removeContainer(c.id, {.force = true, .volumes = true}); !rm) {
        problems.push_back("container " + c.id.substr(0, 12) + ": " + rm.error().describe());
      }
    }
  } else {
    problems.push_back("listing the lab's containers: " + list.error().describe());
  }
  // Keepers or helpers a component made for a lab volume carry its name in shipshape.volume.
  for (const auto& v : ctx.trackedVolumes()) {
    if (v.empty()) continue;
    if (auto held = client.listContainers({.all = true, .filters = {{"volume", {v}}}})) {
      for (const auto& c : *held) (void)client.removeContainer(c.id, {.force = true});
    }
    auto rm = client.removeVolume(v, true);
    if (!rm && rm.error().code != ErrorCode::kNotFound) problems.push_back("volume " + v + ": " + rm.error().describe());
  }
  for (const auto& image : ctx.trackedImages()) {
    auto rm = client.removeImage(image, true);
    if (!rm && rm.error().code != ErrorCode::kNotFound)
      problems.push_back("image " + image + ": " + rm.error().describe());
  }
  if (auto vols = client.listVolumes({{"label", {label}}})) {
    for (const auto& v : *vols) (void)client.removeVolume(v.name, true);
  }
  return problems;
}

}  // namespace

const std::vector<ScenarioInfo>& scenarios() {
  static const std::vector<ScenarioInfo> kInfos = [] {
    std::vector<ScenarioInfo> out;
    for (const auto& e : entries()) out.push_back(e.info);
    return out;
  }();
  return kInfos;
}

bool LabRun::ok() const {
  if (results.empty()) return false;
  for (const auto& r : results) {
    if (r.status != ScenarioResult::Status::kRepaired) return false;
  }
  return true;
}

LabRun runLab(docker::Client& client, const LabOptions& options) {
  LabRun run;
  run.run_id = newRunId();
  std::string work = options.work_dir;
  bool own_work = work.empty();
  if (own_work) {
    std::error_code ec;
    work = (fs::temp_directory_path(ec) / ("shipshape-lab-" + run.run_id)).string();
  }
  fs::create_directories(work);
  fs::permissions(work, fs::perms::owner_all, fs::perm_options::replace);
  LabContext ctx(client, options, run.run_id, work);
  bool all = std::find(options.scenarios.begin(), options.scenarios.end(), "all") != options.scenarios.end();
  for (const auto& e : entries()) {
    bool chosen = all || std::find(options.scenarios.begin(), options.scenarios.end(), e.info.name) !=
                             options.scenarios.end();
    if (!chosen) continue;
    ScenarioResult r;
    if (ctx.stopping()) {
      r.status = ScenarioResult::Status::kSkipped;
      r.skipped_because = "interrupted before it started";
    } else if (!e.run) {
      r.status = ScenarioResult::Status::kSkipped;
      r.skipped_because = "not in the lab yet";
    } else {
      ctx.say(e.info.name + ": starting");
      std::int64_t t0 = nowMs();
      r = e.run(ctx);
      r.seconds = static_cast<double>(nowMs() - t0) / 1000.0;
    }
    r.name = e.info.name;
    r.title = e.info.title;
    r.seed = e.info.seed;
    run.results.push_back(std::move(r));
  }
  if (!options.keep) {
    run.cleanup_problems = cleanUp(client, ctx);
    if (own_work) {
      std::error_code ec;
      fs::remove_all(work, ec);
    }
  }
  return run;
}

}  // namespace shipshape::lab
