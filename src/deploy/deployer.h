// The deploy flow as the `deploy`, `rollback` and `adopt` commands run it: start the candidate beside the
// current version (start-first, always), gate it before any user request reaches it, then hand it to the
// proxy host for the switch and the bake, and wait for the verdict. Every step is reported as an event (a
// progress line on a TTY, a JSON line with --json) and recorded in the release ledger.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "deploy/admin_client.h"
#include "deploy/service_spec.h"

namespace shipshape::docker {
class Client;
}
namespace shipshape::store {
class IncidentStore;
class ReleaseStore;
}  // namespace shipshape::store

namespace shipshape::deploy {

struct DeployEvent {
  std::int64_t at_ms = 0;
  std::string service;
  std::int64_t release_id = 0;
  std::string step;     // resolve, image, create, start, health, probe, smoke:<name>, switch, bake, done
  std::string status;   // running, ok, failed, info
  std::string message;
  std::int64_t duration_ms = 0;
};
using EventSink = std::function<void(const DeployEvent&)>;

struct DeployRequest {
  std::string service;
  std::string image;                        // empty: the definition's image (Compose `image:`)
  std::vector<std::string> compose_files;   // -f; empty: the recorded definition
  std::string project_name;                 // -p; else COMPOSE_PROJECT_NAME, `name:`, the directory
  bool allow_mutable = false;
  bool wait_for_bake = true;
  std::optional<std::int64_t> bake_ms;      // overrides the service's setting
  std::int64_t rollback_of = 0;             // set by rollback: restore this release's exact configuration
  std::string actor;
};

struct DeployResult {
  std::int64_t release_id = 0;
  std::string outcome;  // promoted, failed, rolled_back (or in_progress when not waiting for the bake)
  std::string reason;
  std::string listen;
};

struct AdoptRequest {
  std::string container;
  std::string service;  // default: the container's name
  std::string listen;   // overrides shipshape.proxy.listen
  int port = 0;         // overrides shipshape.proxy.port
  std::string health_path;
};

class Deployer {
 public:
  Deployer(docker::Client& client, store::ReleaseStore& releases, store::IncidentStore& incidents,
           AdminClient& admin, EventSink events);

  Result<DeployResult> deploy(const DeployRequest& request);
  // Deploys release `to` again (0: the newest known-good release that is not the current one).
  Result<DeployResult> rollback(const std::string& service, std::int64_t to, const DeployRequest& base);
  Result<DeployResult> adopt(const AdoptRequest& request);

 private:
  struct Candidate;
  Result<ServiceDefinition> resolve(const DeployRequest& request);
  Result<void> ensureNetworks(const ServiceDefinition& def);
  Result<void> gate(const ServiceDefinition& def, Candidate& candidate);
  Result<DeployResult> switchAndBake(const ServiceDefinition& def, Candidate& candidate, const DeployRequest& request);
  void emit(const std::string& step, const std::string& status, const std::string& message,
            std::int64_t duration_ms = 0);

  docker::Client& client_;
  store::ReleaseStore& releases_;
  store::IncidentStore& incidents_;
  AdminClient& admin_;
  EventSink events_;
  std::string service_;
  std::int64_t release_id_ = 0;
};

}  // namespace shipshape::deploy
