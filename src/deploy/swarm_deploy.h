// Deploys of Swarm services (when one host is not enough): the engine's own rolling update driven through the
// API with the safe settings — start-first, one task at a time, failure_action rollback, a monitor window,
// no tolerated failures — the service's HEALTHCHECK gating every new task, the release ledger, and an exit
// code read from UpdateStatus (`docker service update` exits 0 after an automatic rollback; this does not).
#pragma once

#include <string>

#include "common/result.h"
#include "deploy/deployer.h"

namespace shipshape::deploy {

// `service_json` is the service's inspect (GET /services/NAME). Progress goes to `events`.
Result<DeployResult> deploySwarmService(docker::Client& client, store::ReleaseStore& releases,
                                        store::IncidentStore& incidents, const DeployRequest& request,
                                        const std::string& service_json, const EventSink& events);

}  // namespace shipshape::deploy
