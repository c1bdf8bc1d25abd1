// `shipshape volumes migrate`: a container's anonymous volume(s) become named ones, the seed's fix for a
// database that lost its data on a recreate. Every step before the swap can be undone, and is when it fails:
//   stop (its own stop timeout) -> create the named volume -> copy through the archive API -> verify (both
//   sides' manifests equal) -> rename the original to <name>-pre-migration -> create <name> with the same
//   configuration and the named volume at the same path -> start -> wait running/healthy -> remove the
//   original container (never its volume: kept, and removed only with --prune-old).
// A failure after the rename removes the new container, renames the original back and starts it. A rerun
// after a kill finds the `-pre-migration` container and puts it back first, so the container always ends
// up running either on its original volume or on the verified new one.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "docker/client.h"

namespace shipshape::volumes {

struct MigrateOptions {
  std::string container;
  std::string mountpoint;  // only this destination; empty: every anonymous volume
  std::string name;        // the new volume's name (one volume only); empty: <container>-<path>
  bool prune_old = false;
  std::chrono::milliseconds ready_timeout{120000};
};

struct MigratedVolume {
  std::string destination, old_volume, new_volume;
  std::int64_t bytes = 0, files = 0;
};

struct MigrateResult {
  std::string container, container_id;
  std::vector<MigratedVolume> volumes;
  std::string compose_hint;  // for Compose-managed containers: the change to make in the Compose file
  bool old_pruned = false;
  double seconds = 0, downtime_seconds = 0;
};

Result<MigrateResult> migrateContainer(docker::Client& client, const MigrateOptions& options);

// The create body that recreates the container `inspect` describes (GET /containers/{id}/json, as JSON text)
// with `replacements` (destination -> new volume name) mounted instead of its anonymous volumes: Config with
// the image by ID, HostConfig, and the primary network's endpoint (aliases, IPAM). The other networks come
// back in `extra_networks` (name -> EndpointConfig JSON) to connect before the start.
struct RecreatePlan {
  std::string body;
  std::vector<std::pair<std::string, std::string>> extra_networks;
};
Result<RecreatePlan> recreatePlan(const std::string& inspect_json,
                                  const std::vector<std::pair<std::string, std::string>>& replacements,
                                  const std::string& migration_label);

}  // namespace shipshape::volumes
