// `shipshape volumes`: every volume with who mounts it, its backups and a risk verdict in the audit's words.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "docker/client.h"

namespace shipshape::volumes {

struct VolumeMounter {
  std::string container, image, destination;
  bool running = false, read_write = true;
  bool declared_by_image = false;  // the image has a VOLUME at `destination`
};

struct VolumeRow {
  std::string name, driver;
  bool anonymous = false;
  std::int64_t size = -1;  // bytes; -1 unknown
  std::vector<VolumeMounter> mounters;
  std::string schedule;  // shipshape.backup.schedule (volume or container label)
  std::time_t last_backup = 0;
  std::string last_backup_id;
  std::vector<std::string> risks;  // "stateful image on an anonymous volume", "never backed up", ...
};

Result<std::vector<VolumeRow>> inventory(docker::Client& client, const std::string& backup_dir, std::time_t now);

}  // namespace shipshape::volumes
