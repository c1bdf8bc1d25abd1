// What a deployable service is: the container configuration every version runs with (a Docker create body
// without the image), and how shipshape deploys it (proxy address, gate, bake). It comes from a Compose
// service (`-f`, the project conventions) or from a running container (`shipshape adopt`), and is kept in the
// state store so that later deploys and rollbacks need neither.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "compose/project.h"
#include "store/release.h"

namespace shipshape::deploy {

struct SmokeTest {
  std::string name;
  std::string method = "GET";  // HTTP smoke test: METHOD PATH -> expect_status
  std::string path;
  int expect_status = 200;
  std::vector<std::string> command;  // or a program (argv, no shell) given SHIPSHAPE_CANDIDATE_URL
};

// Labels (shipshape.*) and the Compose `x-shipshape` block set these; the block wins.
struct DeploySettings {
  std::string listen;        // HOST:PORT the proxy serves; a bare port means 127.0.0.1:PORT
  int port = 0;              // container port; default: the single exposed port
  std::string health_path;   // HTTP probe path; "" probes "/" and accepts any status below 400
  int health_status = 0;     // exact status expected; 0 = any 2xx
  int probe_count = 3;       // consecutive successes needed
  std::int64_t probe_interval_ms = 500;
  std::int64_t gate_timeout_ms = 120000;  // start -> gate passed, at most
  std::int64_t bake_ms = 300000;          // previous version kept warm after the switch
  double max_5xx_ratio = 0.05;            // over the last second, with at least min_requests
  std::int64_t slow_ms = 1000;
  double max_slow_ratio = 0.10;
  int min_requests = 10;
  int health_failures = 2;                // consecutive failed bake health probes that count as a breach
  std::int64_t drain_ms = 30000;
  int keep_releases = 5;                  // images of the last N known-good releases are protected
  std::vector<SmokeTest> smoke;
};

struct ServiceDefinition {
  std::string name;
  std::string source;       // "compose:/abs/compose.yaml" or "adopted:<container name>"
  std::string image;        // the image it was defined with (Compose `image:`, the adopted container's)
  nlohmann::json create;    // POST /containers/create body, without Image
  std::vector<std::string> networks;  // the first is the primary (the proxy connects over it)
  DeploySettings settings;
  std::vector<std::string> warnings;  // what could not be carried over (published ports, anonymous volumes)
};

// The Compose service `service` of `project` (project name: -p, else `name:`, else the directory's name).
Result<ServiceDefinition> definitionFromCompose(const compose::Project& project, const std::string& service,
                                                const std::string& project_name);
// A running container's own configuration (GET /containers/{id}/json, as JSON text), minus what its image
// (GET /images/{id}/json) set: the engine merges the image's Env, Cmd, Labels, ... into the container's, and
// carrying those over would pin the old image's values onto the new one.
Result<ServiceDefinition> definitionFromInspect(const std::string& inspect_json, const std::string& image_json,
                                                const std::string& service_name);

// Applies shipshape.* labels, then an x-shipshape JSON object; errors name the label or key.
Result<DeploySettings> readSettings(const nlohmann::json& labels, const nlohmann::json& x_shipshape);

// The candidate's create body: the definition with this image (by ID), no host ports, and labels naming
// the service and release.
nlohmann::json candidateBody(const ServiceDefinition& def, const std::string& image_id, std::int64_t release_id);
// sha256 of the configuration without the image: two releases with the same hash differ only by image.
std::string configHash(const nlohmann::json& create);

// Round trip through the state store.
store::ServiceRecord toRecord(const ServiceDefinition& def);
Result<ServiceDefinition> fromRecord(const store::ServiceRecord& record);

}  // namespace shipshape::deploy
