#include "audit/live_collector.h"

#include "common/file.h"

#include <sys/statvfs.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace shipshape::audit {
namespace {

// Optional host files (daemon.json, the CLI's config.json): absent or unreadable means "not configured".
std::optional<std::string> readOptional(const std::string& path) {
  auto text = readFile(path);
  return text ? std::optional<std::string>(std::move(*text)) : std::nullopt;
}

// The container's memory use from its cgroup: v1 and v2, cgroupfs and systemd drivers.
std::optional<std::int64_t> cgroupMemoryUsage(const docker::ContainerInspect& c) {
  const std::string& id = c.id;
  std::string parent = c.host_config.cgroup_parent.empty() ? "docker" : c.host_config.cgroup_parent;
  if (!parent.empty() && parent.front() == '/') parent.erase(0, 1);
  const std::string candidates[] = {
      "/sys/fs/cgroup/memory/" + parent + "/" + id + "/memory.usage_in_bytes",
      "/sys/fs/cgroup/memory/system.slice/docker-" + id + ".scope/memory.usage_in_bytes",
      "/sys/fs/cgroup/system.slice/docker-" + id + ".scope/memory.current",
      "/sys/fs/cgroup/" + parent + "/" + id + "/memory.current",
  };
  for (const auto& path : candidates) {
    std::ifstream in(path);
    std::int64_t value;
    if (in >> value) return value;
  }
  return std::nullopt;
}

}  // namespace

Result<rules::LiveSnapshot> collectLive(docker::Client& client, std::vector<rules::InputError>* errors) {
  rules::LiveSnapshot s;
  auto info = client.info();
  if (!info) return fail(info.error());
  s.info = std::move(*info);
  s.local_engine = client.endpoint().kind == docker::Endpoint::Kind::kUnix;
  s.now_epoch = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();

  auto list = client.listContainers({.all = true});
  if (!list) return fail(list.error());
  std::set<std::string> image_ids;
  for (const auto& summary : *list) {
    auto c = client.inspectContainer(summary.id);
    if (!c) {
      if (c.error().code != ErrorCode::kNotFound) {
        errors->push_back({rules::Location::object("container", summary.name), c.error().describe()});
      }
      continue;  // removed while we looked: gone, not a problem
    }
    image_ids.insert(c->image_id);
    if (s.local_engine && c->state.running && c->host_config.memory > 0) {
      if (auto usage = cgroupMemoryUsage(*c)) s.memory_usage[c->id] = *usage;
    }
    s.containers.push_back(std::move(*c));
  }
  for (const auto& id : image_ids) {
    auto image = client.inspectImage(id);
    if (image) s.images[id] = std::move(*image);
  }

  auto dangling = client.listVolumes({{"dangling", {"true"}}});
  if (dangling) {
    bool any_anonymous = false;
    for (const auto& v : *dangling) any_anonymous |= v.looksAnonymous();
    if (any_anonymous) {
      // Sizes come only from /system/df, which walks the volumes: ask only when there is something to size.
      std::map<std::string, docker::VolumeUsage> usage;
      if (auto df = client.diskUsage()) {
        for (const auto& v : df->volumes) {
          if (v.usage) usage[v.name] = *v.usage;
        }
      }
      for (auto v : *dangling) {
        if (auto it = usage.find(v.name); it != usage.end()) v.usage = it->second;
        s.dangling_volumes.push_back(std::move(v));
      }
    }
  } else {
    errors->push_back({rules::Location::object("daemon", "volumes"), dangling.error().describe()});
  }

  if (s.local_engine) {
    s.daemon_json = readOptional("/etc/docker/daemon.json");
    struct statvfs fs {};
    if (!s.info.docker_root_dir.empty() && ::statvfs(s.info.docker_root_dir.c_str(), &fs) == 0 && fs.f_blocks > 0) {
      rules::LiveSnapshot::Disk d;
      d.used_ratio = 1.0 - static_cast<double>(fs.f_bavail) / static_cast<double>(fs.f_blocks);
      if (fs.f_files > 0) d.inode_ratio = 1.0 - static_cast<double>(fs.f_favail) / static_cast<double>(fs.f_files);
      s.data_root_disk = d;
    }
  }
  const char* docker_config = std::getenv("DOCKER_CONFIG");
  const char* home = std::getenv("HOME");
  s.client_config_path = docker_config && *docker_config ? std::string(docker_config) + "/config.json"
                                                         : std::string(home ? home : "") + "/.docker/config.json";
  s.client_config = readOptional(s.client_config_path);
  return s;
}

}  // namespace shipshape::audit
