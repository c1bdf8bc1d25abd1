// Known-good images stay on the host: the newest N known-good releases of a service keep a tag of
// shipshape's own (shipshape-keep/<service>:release-<id>); older ones lose it. A tagged image is never
// dangling, so `docker image prune` leaves it, and a rollback needs no registry.
#pragma once

#include <string>

#include "common/result.h"

namespace shipshape::docker {
class Client;
}
namespace shipshape::store {
class ReleaseStore;
}

namespace shipshape::deploy {

std::string keepRepository(const std::string& service);

// Returns how many releases are protected now.
Result<int> protectKnownGood(docker::Client& client, store::ReleaseStore& releases, const std::string& service,
                             int keep);

}  // namespace shipshape::deploy
