// The helper container through which a volume is read or written: created, never started, with the volume
// mounted at /volume (read-only for a backup). The engine mounts a created container's volumes for its
// archive endpoint, so nothing runs, nothing is logged, and no image has to be pulled: the helper's image is a
// one-directory image that shipshape builds and loads itself (`shipshape/volume-helper`).
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"
#include "docker/client.h"

namespace shipshape::volumes {

inline constexpr const char* kHelperImage = "shipshape/volume-helper:1";
inline constexpr const char* kHelperMount = "/volume";

// Every helper carries its purpose ("backup", "restore", "verify", "copy", "keep") and its volume.
inline constexpr const char* kHelperLabel = "shipshape.helper";
inline constexpr const char* kHelperVolumeLabel = "shipshape.volume";
inline constexpr const char* kPidLabel = "shipshape.pid";
inline constexpr const char* kPidNamespaceLabel = "shipshape.pidns";

// Loads the helper image unless the engine already has it.
Result<void> ensureHelperImage(docker::Client& client);

// Removes the helpers (never keepers) that a killed shipshape left behind: made in this pid namespace by a
// process that no longer exists, never started. Only for a local engine. Returns how many went.
std::size_t removeOrphanedHelpers(docker::Client& client);

// Removes its container (never the volume) when it goes out of scope.
class HelperContainer {
 public:
  // `volume` must exist (the engine would silently create a missing one). `purpose` labels the container.
  static Result<HelperContainer> create(docker::Client& client, std::string_view volume, bool read_only,
                                        std::string_view purpose);
  HelperContainer(HelperContainer&& other) noexcept : client_(other.client_), id_(std::move(other.id_)) {
    other.id_.clear();
  }
  HelperContainer& operator=(HelperContainer&&) = delete;
  ~HelperContainer();

  const std::string& id() const { return id_; }
  // Stops owning the container, which then stays (a keeper that holds a volume against `volume prune`).
  std::string release() { return std::exchange(id_, {}); }

 private:
  HelperContainer(docker::Client& client, std::string id) : client_(&client), id_(std::move(id)) {}
  docker::Client* client_;
  std::string id_;
};

}  // namespace shipshape::volumes
