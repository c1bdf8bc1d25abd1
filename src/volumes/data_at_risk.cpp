#include "volumes/data_at_risk.h"

#include <fmt/format.h>

#include "common/log.h"
#include "rules/stateful_images.h"
#include "volumes/backup_catalog.h"
#include "volumes/helper.h"

namespace shipshape::volumes {
namespace {

bool isHelper(const docker::Labels& labels) { return labels.contains(kHelperLabel); }

// The label a user can put on an image the stateful list does not know (an in-house database).
bool isStateful(const docker::ContainerSummary& c) {
  if (auto it = c.labels.find("shipshape.stateful"); it != c.labels.end()) return it->second == "true";
  return rules::findStatefulImage(c.image) != nullptr;
}

}  // namespace

DataAtRiskWatch::DataAtRiskWatch(docker::Client& client, store::IncidentStore& store, std::string backup_dir,
                                 Clock clock)
    : client_(client), store_(store), backup_dir_(std::move(backup_dir)), clock_(std::move(clock)) {}

void DataAtRiskWatch::remember(const docker::ContainerSummary& c) {
  if (isHelper(c.labels) || !isStateful(c)) return;
  Watched w{c.name, c.image, {}};
  for (const auto& m : c.mounts) {
    if (m.type == "volume" && docker::Volume{m.name}.looksAnonymous()) w.mounts.push_back({m.name, m.destination});
  }
  if (!w.mounts.empty()) containers_[c.id] = std::move(w);
}

void DataAtRiskWatch::refresh() {
  auto all = client_.listContainers({.all = true});
  if (!all) {
    SHIPSHAPE_LOG(volumes, warn, "[data-at-risk] cannot list containers: {}", all.error().describe());
    return;
  }
  containers_.clear();
  for (const auto& c : *all) {
    remember(c);
    if (isHelper(c.labels)) continue;
    for (const auto& m : c.mounts) {
      if (m.type == "volume" && docker::Volume{m.name}.looksAnonymous()) volumeInUse(m.name, c.name);
    }
  }
}

void DataAtRiskWatch::onCreate(const std::string& container_id) {
  auto found = client_.listContainers({.all = true, .filters = {{"id", {container_id}}}});
  if (!found || found->empty()) return;  // already gone again
  const auto& c = found->front();
  remember(c);
  if (isHelper(c.labels)) return;  // a backup's helper reading a kept volume does not make it safe
  for (const auto& m : c.mounts) {
    if (m.type == "volume") volumeInUse(m.name, c.name);
  }
}

void DataAtRiskWatch::volumeInUse(const std::string& volume, const std::string& by) {
  auto open = store_.findOpen(kDataAtRiskKind, volume);
  if (!open || !*open) return;
  std::int64_t now = clock_();
  // The keeper's work is done: remove it (never the volume).
  auto keepers = client_.listContainers(
      {.all = true,
       .filters = {{"label", {std::string(kHelperLabel) + "=keep", std::string(kHelperVolumeLabel) + "=" + volume}}}});
  if (keepers) {
    for (const auto& k : *keepers) {
      if (auto removed = client_.removeContainer(k.id, {.force = true}); !removed) {
        SHIPSHAPE_LOG(volumes, warn, "[data-at-risk] cannot remove keeper {}: {}", k.name, removed.error().describe());
      }
    }
  }
  std::string result = fmt::format("volume {} is mounted again, by container {}", volume, by);
  if (auto added = store_.addAction(
          (*open)->id,
          {.at_ms = now, .kind = "release", .description = "removed the keeper container: " + result, .outcome = "ok"});
      !added) {
    SHIPSHAPE_LOG(volumes, warn, "[data-at-risk] {}", added.error().describe());
  }
  if (auto resolved = store_.resolve((*open)->id, now, result); !resolved) {
    SHIPSHAPE_LOG(volumes, warn, "[data-at-risk] {}", resolved.error().describe());
  }
  SHIPSHAPE_LOG(volumes, info, "[data-at-risk] {}", result);
}

void DataAtRiskWatch::onDestroy(const std::string& container_id, std::int64_t at_ms) {
  auto it = containers_.find(container_id);
  if (it == containers_.end()) return;
  Watched gone = std::move(it->second);
  containers_.erase(it);
  for (const auto& mount : gone.mounts) {
    auto volume = client_.inspectVolume(mount.volume);
    if (!volume) {
      if (volume.error().code == ErrorCode::kNotFound) {
        lost(gone, mount, at_ms);
      } else {
        SHIPSHAPE_LOG(volumes, warn, "[data-at-risk] volume {}: {}", mount.volume, volume.error().describe());
      }
      continue;
    }
    // A Compose recreate hands the old anonymous volume to the new container (created before the old one
    // goes): nothing is at risk then.
    auto users = client_.listContainers({.all = true, .filters = {{"volume", {mount.volume}}}});
    if (!users) {
      SHIPSHAPE_LOG(volumes, warn, "[data-at-risk] volume {}: {}", mount.volume, users.error().describe());
      continue;
    }
    bool kept_already = false, in_use = false;
    for (const auto& u : *users) {
      auto helper = u.labels.find(kHelperLabel);
      if (helper == u.labels.end()) {
        in_use = true;
      } else if (helper->second == "keep") {
        kept_already = true;
      }
    }
    if (!in_use && !kept_already) keep(gone, mount, at_ms);
  }
}

std::string DataAtRiskWatch::newestBackup(const std::string& volume) const {
  auto newest = findBackup(backup_dir_, volume);
  return newest ? newest->id : "";
}

void DataAtRiskWatch::keep(const Watched& gone, const AnonymousMount& mount, std::int64_t at_ms) {
  std::int64_t now = clock_();
  store::Incident incident;
  incident.kind = kDataAtRiskKind;
  incident.subject = mount.volume;
  incident.started_at_ms = at_ms;
  incident.detected_at_ms = now;
  incident.situation = fmt::format(
      "container {} ({}) was removed; its data at {} is in anonymous volume {}, which no container mounts any more: "
      "a recreated container starts empty and the next `docker volume prune` deletes the data",
      gone.name, gone.image, mount.destination, mount.volume);
  std::string backup = newestBackup(mount.volume);
  incident.task = fmt::format(
      "keep the data and move it into a named volume: `shipshape backup {0}`, then `shipshape restore {0} --volume "
      "{1}-data`, then run {1} with `-v {1}-data:{2}`{3}",
      mount.volume, gone.name, mount.destination,
      backup.empty() ? " (it has never been backed up)" : " (newest backup: " + backup + ")");
  store::Action action{.at_ms = now, .kind = "keep"};
  auto keeper = HelperContainer::create(client_, mount.volume, /*read_only=*/true, "keep");
  if (keeper) {
    std::string id = keeper->release();
    action.description = fmt::format(
        "kept volume {}: the created, never started container {} mounts it, so `docker volume prune` skips it "
        "(removed again once a container mounts the volume)",
        mount.volume, id.substr(0, 12));
    action.outcome = "ok";
  } else {
    action.description = "could not keep volume " + mount.volume;
    action.outcome = keeper.error().describe();
  }
  incident.actions.push_back(action);
  SHIPSHAPE_LOG(volumes, error, "[data-at-risk] {}", incident.situation);
  if (auto opened = store_.openIncident(incident); !opened) {
    SHIPSHAPE_LOG(volumes, error, "[data-at-risk] cannot record the incident: {}", opened.error().describe());
  }
}

void DataAtRiskWatch::lost(const Watched& gone, const AnonymousMount& mount, std::int64_t at_ms) {
  std::string backup = newestBackup(mount.volume);
  store::Incident incident;
  incident.kind = kDataAtRiskKind;
  incident.subject = mount.volume;
  incident.started_at_ms = at_ms;
  incident.detected_at_ms = clock_();
  incident.situation = fmt::format(
      "container {} ({}) was removed together with its anonymous volume {} (`rm -v` or `run --rm`): the data at {} "
      "is gone",
      gone.name, gone.image, mount.volume, mount.destination);
  incident.task = backup.empty() ? "bring the data back: there is no backup of this volume in " + backup_dir_
                                 : fmt::format(
                                       "bring the data back: `shipshape restore {} --volume {}-data`, then "
                                       "run {} with `-v {}-data:{}`",
                                       backup, gone.name, gone.name, gone.name, mount.destination);
  SHIPSHAPE_LOG(volumes, error, "[data-at-risk] {}", incident.situation);
  if (auto opened = store_.openIncident(incident); !opened) {
    SHIPSHAPE_LOG(volumes, error, "[data-at-risk] cannot record the incident: {}", opened.error().describe());
  }
}

}  // namespace shipshape::volumes
