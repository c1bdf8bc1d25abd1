// Gathers what the live rules read, through the Engine API and the host's own files (cgroups, statvfs of the
// data-root, /etc/docker/daemon.json, the docker CLI's config.json). Never execs into containers.
#pragma once

#include <vector>

#include "common/result.h"
#include "docker/client.h"
#include "rules/finding.h"
#include "rules/live_checks.h"

namespace shipshape::audit {

// Fails only when the engine cannot be read at all; smaller gaps become `errors` and the rest is collected.
Result<rules::LiveSnapshot> collectLive(docker::Client& client, std::vector<rules::InputError>* errors);

}  // namespace shipshape::audit
