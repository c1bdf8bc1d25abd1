// The rules that read a live engine: daemon settings, every container (running or not), images, volumes,
// the data-root filesystem and the Docker client's credentials. Pure: a snapshot in, findings out; the audit
// module collects the snapshot through the Engine API and the host's files (never by exec into containers).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "docker/types.h"
#include "rules/finding.h"

namespace shipshape::rules {

struct LiveSnapshot {
  docker::SystemInfo info;
  bool local_engine = true;  // the data-root and /proc belong to this host
  std::vector<docker::ContainerInspect> containers;
  std::map<std::string, docker::ImageInspect> images;  // by image ID
  std::vector<docker::Volume> dangling_volumes;         // with usage when known
  std::optional<std::string> daemon_json;               // /etc/docker/daemon.json, when readable
  struct Disk {
    double used_ratio = 0, inode_ratio = 0;
  };
  std::optional<Disk> data_root_disk;
  std::map<std::string, std::int64_t> memory_usage;     // container ID -> bytes, from the cgroup
  std::string client_config_path;
  std::optional<std::string> client_config;             // the docker CLI's config.json
  std::int64_t now_epoch = 0;                           // for token expiry
};

std::vector<Finding> checkLive(const LiveSnapshot& snapshot);
// The container rules alone, for one container that need not exist yet: `shipshape admit` judges a create
// request this way. `context` supplies the daemon's info, daemon.json and the image (by c.image_id); its
// container list is not read. A volume mount with an empty name is an anonymous volume still to be created.
std::vector<Finding> checkContainer(const LiveSnapshot& context, const docker::ContainerInspect& c);

}  // namespace shipshape::rules
