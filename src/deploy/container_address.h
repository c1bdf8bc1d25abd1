// Where a container can be reached: its private IP on the service's network, and the service port.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "docker/client.h"
#include "proxy/upstream.h"

namespace shipshape::deploy {

// The container's address on the first of `networks` it is attached to (else any network with an IP).
// Fails when it is not running or has no IP yet.
Result<proxy::UpstreamTarget> containerTarget(docker::Client& client, const std::string& container,
                                              const std::vector<std::string>& networks, int port);

}  // namespace shipshape::deploy
