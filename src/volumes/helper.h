// The helper container through which a volume is read or written: created, never started, with the volume
// mounted at /volume (read-only for a backup). The engine mounts a created container's volumes for its
// archive endpoint, so nothing runs, nothing is logged, and no image has to be pulled: the helper's image is a
// one-directory image that shipshape builds and loads itself (`shipshape/volume-helper`).
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "docker/client.h"

namespace shipshape::volumes {

inline constexpr const char* kHelperImage = "shipshape/volume-helper:1";
inline constexpr const char* kHelperMount = "/volume";

// Loads the helper image unless the engine already has it.
Result<void> ensureHelperImage(docker::Client& client);

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

 private:
  HelperContainer(docker::Client& client, std::string id) : client_(&client), id_(std::move(id)) {}
  docker::Client* client_;
  std::string id_;
};

}  // namespace shipshape::volumes
