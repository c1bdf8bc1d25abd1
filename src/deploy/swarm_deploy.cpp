#include "deploy/swarm_deploy.h"

#include <thread>

#include <nlohmann/json.hpp>

#include "common/format.h"
#include "docker/client.h"
#include "rules/image_ref.h"
#include "store/incident_store.h"
#include "store/release_store.h"

namespace shipshape::deploy {
namespace {

using json = nlohmann::json;

constexpr std::int64_t kDefaultMonitorMs = 30000;

std::string imageOf(const json& spec) {
  return spec.value("TaskTemplate", json::object()).value("ContainerSpec", json::object()).value("Image", "");
}

}  // namespace

Result<DeployResult> deploySwarmService(docker::Client& client, store::ReleaseStore& releases,
                                        store::IncidentStore& incidents, const DeployRequest& request,
                                        const std::string& service_json, const EventSink& events) {
  std::int64_t release_id = 0;
  auto emit = [&](const std::string& step, const std::string& status, const std::string& message,
                  std::int64_t duration_ms = 0) {
    if (events) events({nowMs(), request.service, release_id, step, status, message, duration_ms});
  };
  json service = json::parse(service_json, nullptr, false);
  if (!service.is_object() || !service.contains("Spec")) return fail(ErrorCode::kProtocol, "unexpected service inspect reply");
  const std::string id = service.value("ID", "");
  json spec = service["Spec"];
  const std::string running_image = imageOf(spec);
  auto labels = spec.value("Labels", json::object());
  auto settings = readSettings(labels, json::object());
  if (!settings) return fail(settings.error().wrap("swarm service " + request.service));
  std::int64_t monitor_ms = request.bake_ms ? *request.bake_ms
                            : labels.contains("shipshape.bake") ? settings->bake_ms
                                                                : kDefaultMonitorMs;

  // The version that runs now is the first known-good release when the ledger has none.
  auto known = releases.list(request.service);
  if (!known) return fail(known.error());
  if (known->empty()) {
    store::Release current;
    current.service = request.service;
    current.image = running_image;
    current.digest = running_image.find('@') != std::string::npos ? running_image.substr(running_image.find('@') + 1) : running_image;
    current.outcome = store::kPromoted;
    current.actor = "swarm (running before the first deploy)";
    current.started_at_ms = nowMs();
    current.finished_at_ms = current.started_at_ms;
    current.spec_json = spec.dump();
    current.config_hash = configHash(spec.value("TaskTemplate", json::object()));
    if (auto added = releases.add(current); !added) return fail(added.error());
  }

  // The new spec: the target release's exact spec for a rollback, else the running one with the new image.
  std::string ref = request.image;
  json next = spec;
  if (request.rollback_of) {
    auto target = releases.get(request.rollback_of);
    if (!target) return fail(target.error());
    next = json::parse(target->spec_json, nullptr, false);
    if (!next.is_object()) return fail(ErrorCode::kProtocol, "release " + std::to_string(target->id) + " has no spec");
    ref = imageOf(next);
  } else {
    if (ref.empty()) return fail(ErrorCode::kInvalidArgument, "no image: give --image REF");
    if (!request.allow_mutable && rules::parseImageRef(ref).mutableTag()) {
      return fail(ErrorCode::kInvalidArgument, "refusing the mutable reference " + ref +
                                                   " (no tag, or :latest); deploy a version tag or a digest, or pass "
                                                   "--allow-mutable");
    }
    // Pin by digest when the image has one, so a re-tag cannot change what the tasks run.
    if (auto image = client.inspectImage(ref); image && ref.find('@') == std::string::npos) {
      std::string repo = rules::parseImageRef(ref).name;
      for (const auto& d : image->repo_digests) {
        if (d.starts_with(repo + "@")) ref = ref + "@" + d.substr(d.find('@') + 1);
      }
    }
    next["TaskTemplate"]["ContainerSpec"]["Image"] = ref;
  }
  // The safe update: start-first, one at a time, any failure rolls back, watched for the monitor window.
  json update = {{"Parallelism", 1}, {"Delay", 0}, {"FailureAction", "rollback"},
                 {"Monitor", monitor_ms * 1000000}, {"MaxFailureRatio", 0}, {"Order", "start-first"}};
  next["UpdateConfig"] = update;
  json rollback_config = update;
  rollback_config["FailureAction"] = "pause";
  next["RollbackConfig"] = rollback_config;

  store::Release release;
  release.service = request.service;
  release.image = ref;
  release.digest = ref.find('@') != std::string::npos ? ref.substr(ref.find('@') + 1) : ref;
  release.actor = request.actor;
  release.rollback_of = request.rollback_of;
  release.started_at_ms = nowMs();
  release.spec_json = next.dump();
  release.config_hash = configHash(next.value("TaskTemplate", json::object()));
  auto added = releases.add(release);
  if (!added) return fail(added.error());
  release.id = release_id = *added;
  emit("resolve", "ok", "swarm service " + request.service + ": " + running_image + " -> " + ref +
                            " (start-first, failure_action rollback, monitor " + formatDurationMs(monitor_ms) + ")");

  auto warnings = client.updateService(id, service["Version"].value("Index", std::int64_t{0}), next.dump());
  if (!warnings) {
    release.outcome = store::kFailed;
    release.reason = warnings.error().describe();
    release.finished_at_ms = nowMs();
    (void)releases.update(release);
    emit("done", "failed", release.reason);
    return DeployResult{release.id, store::kFailed, release.reason, ""};
  }
  for (const auto& w : *warnings) emit("update", "info", w);
  emit("update", "running", "rolling update started");

  // Follow UpdateStatus to its end; the engine's states are the truth, read not guessed.
  std::string state, message;
  std::int64_t rollback_started = 0;
  const std::int64_t deadline = nowMs() + settings->gate_timeout_ms + monitor_ms * 4 + 600000;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    auto raw = client.inspectServiceJson(id);
    if (!raw) return fail(raw.error().wrap("following the update of " + request.service));
    json now = json::parse(*raw, nullptr, false);
    json status = now.value("UpdateStatus", json::object());
    std::string s = status.value("State", "");
    if (s != state) {
      state = s;
      message = status.value("Message", "");
      emit("update", "info", "UpdateStatus " + (state.empty() ? std::string("(none)") : state) +
                                 (message.empty() ? "" : ": " + message));
      if (state == "rollback_started" && rollback_started == 0) rollback_started = nowMs();
    }
    if (state == "completed" || state == "rollback_completed" || state == "paused" || state == "rollback_paused") break;
    if (nowMs() > deadline) {
      message = "the update did not finish in time (state " + state + ")";
      break;
    }
  }
  std::int64_t done = nowMs();
  release.finished_at_ms = done;
  DeployResult result{release.id, store::kPromoted, "", ""};
  if (state == "completed") {
    release.outcome = store::kPromoted;
    release.switched_at_ms = done;
    if (auto good = releases.knownGood(request.service)) {
      for (auto r : *good) {
        if (r.id != release.id && r.outcome == store::kPromoted) {
          r.outcome = store::kSuperseded;
          (void)releases.update(r);
        }
      }
    }
    emit("done", "ok", "release " + std::to_string(release.id) + " promoted: every task runs " + ref);
  } else {
    release.outcome = state == "rollback_completed" ? store::kRolledBack : store::kFailed;
    release.reason = "swarm: " + state + (message.empty() ? "" : ": " + message);
    if (rollback_started) {
      release.detect_ms = rollback_started - release.started_at_ms;
      release.rollback_ms = done - rollback_started;
    }
    store::Incident incident;
    incident.kind = "deploy-rolled-back";
    incident.subject = request.service;
    incident.subject_id = id;
    incident.situation = "swarm update of " + request.service + " to " + ref + " failed: " + release.reason;
    incident.task = "keep " + running_image + " running on every task";
    incident.started_at_ms = rollback_started ? rollback_started : done;
    incident.detected_at_ms = incident.started_at_ms;
    incident.actions.push_back({done, "swarm-rollback", "the engine rolled the service back (failure_action rollback)",
                                state == "rollback_completed" ? "ok" : state, true,
                                rollback_started ? done - rollback_started : 0});
    if (auto iid = incidents.openIncident(incident)) {
      if (state == "rollback_completed") (void)incidents.resolve(*iid, done, running_image + " runs again on every task");
    }
    result.outcome = release.outcome;
    result.reason = release.reason;
    emit("done", "failed", release.reason);
  }
  (void)releases.update(release);
  return result;
}

}  // namespace shipshape::deploy
