#include "volumes/inventory.h"

#include <map>

#include "rules/stateful_images.h"
#include "volumes/backup_catalog.h"
#include "volumes/restore.h"
#include "volumes/schedule.h"

namespace shipshape::volumes {

Result<std::vector<VolumeRow>> inventory(docker::Client& client, const std::string& backup_dir, std::time_t now) {
  auto df = client.diskUsage();  // volumes with their sizes, as `docker system df -v` computes them
  if (!df) return fail(df.error());
  docker::ContainerListOptions options;
  options.all = true;
  auto containers = client.listContainers(options);
  if (!containers) return fail(containers.error());
  std::map<std::string, docker::ImageInspect> images;
  auto backups = listBackups(backup_dir);
  if (!backups) return fail(backups.error());

  std::vector<VolumeRow> rows;
  for (const auto& v : df->volumes) {
    VolumeRow row;
    row.name = v.name;
    row.driver = v.driver;
    row.anonymous = v.looksAnonymous();
    if (v.usage) row.size = v.usage->size;
    if (auto it = v.labels.find("shipshape.backup.schedule"); it != v.labels.end()) row.schedule = it->second;
    bool stateful = false;
    for (const auto& c : *containers) {
      for (const auto& m : c.mounts) {
        if (m.type != "volume" || m.name != v.name) continue;
        VolumeMounter who{c.name, c.image, m.destination, c.state == "running", m.rw};
        if (!images.contains(c.image_id)) {
          if (auto image = client.inspectImage(c.image_id)) images[c.image_id] = *image;
        }
        if (auto it = images.find(c.image_id); it != images.end()) {
          who.declared_by_image = it->second.config.volumes.contains(m.destination);
        }
        if (rules::findStatefulImage(c.image) != nullptr) stateful = true;
        if (row.schedule.empty()) {
          if (auto it = c.labels.find("shipshape.backup.schedule"); it != c.labels.end()) row.schedule = it->second;
        }
        row.mounters.push_back(std::move(who));
      }
    }
    for (const auto& b : *backups) {
      if (b.manifest.volume == v.name && b.created >= row.last_backup) {
        row.last_backup = b.created;
        row.last_backup_id = b.id;
      }
    }
    if (auto interrupted = interruptedRestore(backup_dir, v.name)) {
      row.risks.push_back("holds an interrupted restore of " + *interrupted + ": run it again to complete it");
    }
    bool declared = false;
    for (const auto& m : row.mounters) declared |= m.declared_by_image;
    if (row.anonymous && stateful) {
      row.risks.push_back("stateful image on an anonymous volume (SS301): a recreate or `rm -v` loses it");
    } else if (row.anonymous && declared) {
      row.risks.push_back("declared VOLUME data in an anonymous volume (SS301)");
    } else if (row.anonymous && row.mounters.empty() && row.size > 0) {
      row.risks.push_back("dangling anonymous volume still holds data (SS304)");
    }
    if (row.last_backup == 0 && (stateful || declared || !row.schedule.empty())) {
      row.risks.push_back("never backed up");
    }
    if (!row.schedule.empty()) {
      auto schedule = Schedule::parse(row.schedule);
      if (!schedule) {
        row.risks.push_back("unreadable backup schedule: " + schedule.error().message);
      } else if (row.last_backup != 0 && schedule->nextAfter(schedule->nextAfter(row.last_backup)) <= now) {
        // A whole scheduled run was missed, not merely the current one being due.
        row.risks.push_back("backup older than its schedule (" + row.schedule + ")");
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace shipshape::volumes
