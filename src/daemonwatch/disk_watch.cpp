#include "daemonwatch/disk_watch.h"

#include <sys/statvfs.h>

#include <cstdio>

#include "common/format.h"
#include "common/log.h"

namespace shipshape::daemonwatch {
namespace {

std::string percent(double r) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", r * 100);
  return buf;
}

}  // namespace

std::optional<DiskUse> statvfsDiskUse(const std::string& path) {
  struct statvfs fs {};
  if (path.empty() || ::statvfs(path.c_str(), &fs) != 0 || fs.f_blocks == 0) return std::nullopt;
  DiskUse d;
  d.used_ratio = 1.0 - static_cast<double>(fs.f_bavail) / static_cast<double>(fs.f_blocks);
  if (fs.f_files > 0) d.inode_ratio = 1.0 - static_cast<double>(fs.f_favail) / static_cast<double>(fs.f_files);
  d.free_bytes = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
  return d;
}

DiskWatch::DiskWatch(store::IncidentStore& store, Clock clock, double threshold, double hysteresis, DiskReader reader)
    : store_(store),
      clock_(std::move(clock)),
      threshold_(threshold),
      hysteresis_(hysteresis),
      reader_(std::move(reader)) {}

void DiskWatch::check(const std::string& path) {
  auto use = reader_(path);
  if (!use) return;  // a remote engine, or the path is not visible from here
  double worst = std::max(use->used_ratio, use->inode_ratio);
  if (!full() && worst >= threshold_) {
    store::Incident incident;
    incident.kind = "data-root-full";
    incident.subject = "daemon";
    incident.subject_id = path;
    incident.situation = path + " is " + percent(use->used_ratio) + " full (" +
                         humanBytes(static_cast<std::int64_t>(use->free_bytes)) + " free) with " +
                         percent(use->inode_ratio) +
                         " of inodes used; at 100% pulls, writes and the daemon fail "
                         "with 'no space left on device'";
    incident.task = "free space under the data-root before it runs out";
    incident.started_at_ms = incident.detected_at_ms = clock_();
    incident.actions.push_back({incident.detected_at_ms, "diagnose", "space or inodes past " + percent(threshold_),
                                "runbook: docker system prune (build cache, unused images, stopped containers); "
                                "rotate container logs (audit rule SS104); move the data-root to a larger disk",
                                true, 0});
    auto id = store_.openIncident(incident);
    incident_id_ = id ? *id : -1;
    SHIPSHAPE_LOG(heal, error, "[daemon] {}", incident.situation);
  } else if (full() && worst < threshold_ - hysteresis_) {
    if (incident_id_ > 0) {
      (void)store_.resolve(
          incident_id_, clock_(),
          "back to " + percent(use->used_ratio) + " of space and " + percent(use->inode_ratio) + " of inodes");
    }
    incident_id_ = 0;
  }
}

}  // namespace shipshape::daemonwatch
