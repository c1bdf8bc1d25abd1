// The release ledger's records: one row per deploy attempt of a service (never deleted), and the services
// shipshape deploys. Times are milliseconds since the Unix epoch. Plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace shipshape::store {

// Outcomes a release moves through: in_progress -> promoted | failed; promoted -> rolled_back | superseded.
inline constexpr const char* kInProgress = "in_progress";
inline constexpr const char* kPromoted = "promoted";
inline constexpr const char* kFailed = "failed";
inline constexpr const char* kRolledBack = "rolled_back";
inline constexpr const char* kSuperseded = "superseded";

struct GateCheck {
  std::string name;    // "container-health", "http-probe", "smoke:<name>", "bake"
  bool passed = false;
  std::int64_t duration_ms = 0;
  std::string detail;  // what was seen, with numbers
};

struct Release {
  std::int64_t id = 0;
  std::string service;
  std::string image;     // the reference asked for (or the release rolled back to)
  std::string digest;    // repo digest when the image has one, else the image ID: what actually ran
  std::string image_id;  // sha256:... of the local image
  std::string config_hash;
  std::string container_id, container_name;
  std::string outcome = kInProgress;
  std::string reason;  // why it failed or was rolled back
  std::string actor;   // user@host that ran the deploy
  std::int64_t rollback_of = 0;  // the release this one restores (rollback), else 0
  std::int64_t started_at_ms = 0;
  std::optional<std::int64_t> switched_at_ms;  // traffic moved to it
  std::optional<std::int64_t> finished_at_ms;  // its outcome became final (promoted after the bake, failed, ...)
  std::optional<std::int64_t> detect_ms;       // from its start (or switch) to the failure being seen
  std::optional<std::int64_t> rollback_ms;     // from the failure being seen to the old version serving alone
  std::vector<GateCheck> gate;
  std::string spec_json;  // the container create body it ran with (image by ID): what a rollback recreates
};

// A deployable service: a Compose service or an adopted container.
struct ServiceRecord {
  std::string name;
  std::string source;  // "compose:/path/compose.yaml" or "adopted:<container>"
  std::string listen;  // HOST:PORT the proxy serves it on
  int port = 0;        // the container port the proxy connects to
  std::string health_path;
  std::string definition_json;  // the create body (without Image) plus x-shipshape settings
  std::int64_t updated_at_ms = 0;
};

}  // namespace shipshape::store
