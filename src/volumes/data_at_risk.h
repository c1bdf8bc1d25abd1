// The seed's exact failure, caught as it happens: a container with a stateful image (a database, a broker)
// keeps its data in an anonymous volume and is removed — `docker rm`, a recreate during patching. The new
// container gets a new, empty anonymous volume and the old one waits, unnamed, for the next `volume prune`.
//
// On the `destroy` event the volume is kept (a created-never-started "keeper" container mounts it, so
// `docker volume prune` and `system prune` skip it) and a `data-at-risk` incident names the volume, the path
// the data came from and the commands that move it into a named volume. The incident is resolved, and the
// keeper removed, when a container mounts the volume again. When the volume went with the container
// (`rm -v`, `run --rm`) the incident says the data is gone and names the newest backup.
//
// A destroyed container can no longer be inspected: what each container mounts is cached from `refresh()`
// (start-up, after an outage) and from `create` events. Single-threaded: the watch loop calls everything.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "docker/client.h"
#include "store/incident_store.h"

namespace shipshape::volumes {

inline constexpr const char* kDataAtRiskKind = "data-at-risk";

class DataAtRiskWatch {
 public:
  using Clock = std::function<std::int64_t()>;
  DataAtRiskWatch(docker::Client& client, store::IncidentStore& store, std::string backup_dir, Clock clock);

  // Re-reads every container (and settles incidents whose volume is mounted again, or whose keeper is gone).
  void refresh();
  // `create` event: caches the container; a kept volume it mounts is safe again.
  void onCreate(const std::string& container_id);
  // `destroy` event (at `at_ms`, the engine's time).
  void onDestroy(const std::string& container_id, std::int64_t at_ms);

  std::size_t watched() const { return containers_.size(); }

 private:
  struct AnonymousMount {
    std::string volume, destination;
  };
  struct Watched {
    std::string name, image;
    std::vector<AnonymousMount> mounts;  // its anonymous volumes (stateful images only)
  };
  void remember(const docker::ContainerSummary& c);
  void volumeInUse(const std::string& volume, const std::string& by);
  void keep(const Watched& gone, const AnonymousMount& mount, std::int64_t at_ms);
  void lost(const Watched& gone, const AnonymousMount& mount, std::int64_t at_ms);
  std::string newestBackup(const std::string& volume) const;

  docker::Client& client_;
  store::IncidentStore& store_;
  std::string backup_dir_;
  Clock clock_;
  std::map<std::string, Watched> containers_;  // id -> what it mounts
};

}  // namespace shipshape::volumes
