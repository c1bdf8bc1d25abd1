// Watches the filesystem under the daemon's data-root: when blocks or inodes pass the threshold, a
// "data-root-full" incident opens (the numbers in its Situation); it closes when both fall back below the
// threshold minus a hysteresis, so a disk hovering at the line does not flap. The filesystem read is a seam
// (statvfs by default) so that the policy is unit-tested. Single-threaded.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "store/incident_store.h"

namespace shipshape::daemonwatch {

struct DiskUse {
  double used_ratio = 0;  // blocks in use / blocks (as df counts, reserved blocks excluded from free)
  double inode_ratio = 0;
  std::uint64_t free_bytes = 0;
};

using DiskReader = std::function<std::optional<DiskUse>(const std::string& path)>;
std::optional<DiskUse> statvfsDiskUse(const std::string& path);

class DiskWatch {
 public:
  using Clock = std::function<std::int64_t()>;
  DiskWatch(store::IncidentStore& store, Clock clock, double threshold = 0.90, double hysteresis = 0.05,
            DiskReader reader = statvfsDiskUse);

  // Checks `path` (the daemon's DockerRootDir); call every few seconds.
  void check(const std::string& path);
  bool full() const { return incident_id_ != 0; }

 private:
  store::IncidentStore& store_;
  Clock clock_;
  double threshold_, hysteresis_;
  DiskReader reader_;
  std::int64_t incident_id_ = 0;
};

}  // namespace shipshape::daemonwatch
