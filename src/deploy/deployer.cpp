#include "deploy/deployer.h"

#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <thread>

#include "common/format.h"
#include "common/process.h"
#include "compose/project.h"
#include "deploy/container_address.h"
#include "deploy/swarm_deploy.h"
#include "docker/client.h"
#include "rules/image_ref.h"
#include "store/incident_store.h"
#include "store/release_store.h"

namespace shipshape::deploy {

using json = nlohmann::json;

struct Deployer::Candidate {
  std::string id, name;
  proxy::UpstreamTarget target;
  std::int64_t started_at_ms = 0;
  std::vector<store::GateCheck> checks;
  std::string failed_step, failure;
  std::int64_t failed_at_ms = 0;
};

namespace {

std::string projectNameFor(const DeployRequest& request, const compose::Project& project) {
  std::string name = request.project_name;
  if (name.empty()) {
    if (const char* env = std::getenv("COMPOSE_PROJECT_NAME"); env && *env) name = env;
  }
  if (name.empty()) {
    if (const auto* n = project.root.get("name")) name = n->text();
  }
  if (name.empty()) {
    name = std::filesystem::absolute(project.files.front()).parent_path().filename().string();
  }
  // Compose's normalisation: lower case, only [a-z0-9_-].
  std::string out;
  for (char c : name) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (std::isalnum(static_cast<unsigned char>(l)) || l == '_' || l == '-') out += l;
  }
  return out;
}

std::string lastLogLines(docker::Client& client, const std::string& id) {
  std::string out;
  docker::LogOptions options;
  options.tail = "5";
  (void)client.logs(id, options, [&](const docker::LogFrame& f) {
    out.append(f.data);
    return out.size() < 2000;
  });
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  for (char& c : out) {
    if (c == '\n') c = '|';
  }
  return out;
}

void sleepMs(std::int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

}  // namespace

Deployer::Deployer(docker::Client& client, store::ReleaseStore& releases, store::IncidentStore& incidents,
                   AdminClient& admin, EventSink events)
    : client_(client), releases_(releases), incidents_(incidents), admin_(admin), events_(std::move(events)) {}

void Deployer::emit(const std::string& step, const std::string& status, const std::string& message,
                    std::int64_t duration_ms) {
  if (events_) events_({nowMs(), service_, release_id_, step, status, message, duration_ms});
}

Result<ServiceDefinition> Deployer::resolve(const DeployRequest& request) {
  std::optional<ServiceDefinition> def;
  if (!request.compose_files.empty()) {
    auto project = compose::loadProject(request.compose_files, compose::processEnvironment());
    if (!project) return fail(project.error());
    auto fromCompose = definitionFromCompose(*project, request.service, projectNameFor(request, *project));
    if (!fromCompose) return fail(fromCompose.error());
    def = std::move(*fromCompose);
    for (const auto& w : def->warnings) emit("resolve", "info", w);
  } else {
    auto record = releases_.service(request.service);
    if (!record) return fail(record.error());
    if (!*record) {
      return fail(ErrorCode::kNotFound, "unknown service " + request.service +
                                            ": give its Compose file (-f compose.yaml) or adopt its container first "
                                            "(shipshape adopt CONTAINER)");
    }
    auto stored = fromRecord(**record);
    if (!stored) return fail(stored.error());
    def = std::move(*stored);
  }
  if (def->settings.listen.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "service " + def->name + " has no proxy address: label it shipshape.proxy.listen=HOST:PORT (or set "
                "x-shipshape.listen)");
  }
  if (def->settings.port <= 0) {
    return fail(ErrorCode::kInvalidArgument, "service " + def->name +
                                                 " has no container port: label it shipshape.proxy.port=PORT");
  }
  if (!request.compose_files.empty()) {
    auto saved = releases_.putService(toRecord(*def));
    if (!saved) return fail(saved.error());
  }
  return *def;
}

Result<void> Deployer::ensureNetworks(const ServiceDefinition& def) {
  for (const auto& network : def.networks) {
    if (network == "bridge" || network == "host" || network == "none" || network.starts_with("container:")) continue;
    auto exists = client_.networkExists(network);
    if (!exists) return fail(exists.error());
    if (*exists) continue;
    if (!def.source.starts_with("compose:")) return fail(ErrorCode::kNotFound, "network " + network + " does not exist");
    // What `docker compose up` would have created.
    std::string project = def.create.value("Labels", json::object()).value("com.docker.compose.project", "");
    auto created = client_.createNetwork(network, {{"com.docker.compose.project", project},
                                                   {"com.docker.compose.network", network.substr(project.size() + 1)}});
    if (!created) return fail(created.error());
    emit("create", "info", "created network " + network);
  }
  return {};
}

Result<DeployResult> Deployer::deploy(const DeployRequest& request) {
  service_ = request.service;
  release_id_ = 0;
  // A Swarm service (on a manager) that shipshape does not deploy itself: the engine's rolling update.
  if (request.compose_files.empty()) {
    auto record = releases_.service(request.service);
    if (record && !*record) {
      auto swarm_service = client_.inspectServiceJson(request.service);
      if (swarm_service) {
        return deploySwarmService(client_, releases_, incidents_, request, *swarm_service, events_);
      }
    }
  }
  auto pinged = admin_.ping();
  if (!pinged) return fail(pinged.error());
  auto def = resolve(request);
  if (!def) return fail(def.error());
  emit("resolve", "ok", def->source + ", proxy " + def->settings.listen + " -> :" + std::to_string(def->settings.port));
  // One deploy at a time per service: a release still baking decides first.
  if (auto status = admin_.call("GET", "/v1/services/" + def->name); status && (*status)["bake"]["state"] == "baking") {
    return fail(ErrorCode::kConflict, "release " + std::to_string((*status)["bake"]["release_id"].get<std::int64_t>()) +
                                          " of " + def->name + " is still baking (until " +
                                          isoTimeMs((*status)["bake"]["ends_at_ms"].get<std::int64_t>()) +
                                          "); deploy again when it has ended");
  }

  // The image: never a mutable reference unless asked, always run by its ID.
  std::string ref = request.image.empty() ? def->image : request.image;
  std::optional<store::Release> restore;
  if (request.rollback_of) {
    auto target = releases_.get(request.rollback_of);
    if (!target) return fail(target.error());
    restore = *target;
    ref = target->image_id;
  }
  if (ref.empty()) return fail(ErrorCode::kInvalidArgument, "no image: give --image REF");
  bool by_id = ref.starts_with("sha256:");
  if (!by_id && !request.allow_mutable && rules::parseImageRef(ref).mutableTag()) {
    return fail(ErrorCode::kInvalidArgument,
                "refusing the mutable reference " + ref +
                    " (no tag, or :latest): what runs could change under the same name. Deploy a version tag or a "
                    "digest (name@sha256:...), or pass --allow-mutable");
  }
  auto image = client_.inspectImage(ref);
  if (!image && image.error().code == ErrorCode::kNotFound && !by_id) {
    emit("image", "running", "pulling " + ref);
    auto pulled = client_.pullImage(ref);
    if (!pulled) return fail(pulled.error());
    image = client_.inspectImage(ref);
  }
  if (!image) {
    if (restore) return fail(image.error().wrap("the image of release " + std::to_string(restore->id) + " is gone"));
    return fail(image.error());
  }
  std::string digest = image->id;
  std::string repo = rules::parseImageRef(ref).name;
  for (const auto& d : image->repo_digests) {
    if (d.starts_with(repo + "@")) digest = d;
  }
  if (digest == image->id && !image->repo_digests.empty()) digest = image->repo_digests.front();

  // The release row first: whatever happens next is recorded against it.
  json body = candidateBody(*def, image->id, 0);
  if (restore) {
    auto spec = json::parse(restore->spec_json, nullptr, false);
    if (spec.is_object()) body = spec;
  }
  store::Release release;
  release.service = def->name;
  release.image = restore ? restore->image : ref;
  release.digest = restore ? restore->digest : digest;
  release.image_id = image->id;
  release.config_hash = configHash(body);
  release.actor = request.actor;
  release.rollback_of = request.rollback_of;
  release.started_at_ms = nowMs();
  release.spec_json = body.dump();
  auto id = releases_.add(release);
  if (!id) return fail(id.error());
  release.id = release_id_ = *id;
  body["Labels"]["shipshape.release"] = std::to_string(release.id);
  body["Labels"]["shipshape.service"] = def->name;
  release.spec_json = body.dump();
  emit("image", "ok", ref + " = " + shortId(image->id) + (digest != image->id ? " (" + digest + ")" : ""));

  auto fail_release = [&](const std::string& reason) -> Result<DeployResult> {
    release.outcome = store::kFailed;
    release.reason = reason;
    release.finished_at_ms = nowMs();
    (void)releases_.update(release);
    emit("done", "failed", reason);
    return DeployResult{release.id, store::kFailed, reason, def->settings.listen};
  };

  if (auto networks = ensureNetworks(*def); !networks) return fail_release(networks.error().describe());

  // Start-first, always: the candidate runs beside the current version.
  Candidate candidate;
  candidate.name = def->name + "-r" + std::to_string(release.id);
  candidate.started_at_ms = nowMs();
  auto created = client_.createContainerFromJson(body.dump(), candidate.name);
  if (!created) return fail_release("creating the candidate: " + created.error().describe());
  candidate.id = *created;
  release.container_id = candidate.id;
  release.container_name = candidate.name;
  (void)releases_.update(release);
  for (std::size_t i = 1; i < def->networks.size(); ++i) {
    if (auto c = client_.connectNetwork(def->networks[i], candidate.id); !c) {
      emit("create", "info", c.error().describe());
    }
  }
  if (auto started = client_.startContainer(candidate.id); !started) {
    candidate.failed_step = "start";
    candidate.failure = started.error().describe();
    candidate.failed_at_ms = nowMs();
  } else {
    emit("start", "ok", "candidate " + candidate.name + " started", nowMs() - candidate.started_at_ms);
    (void)gate(*def, candidate);
  }
  release.gate = candidate.checks;

  if (!candidate.failure.empty()) {
    // Fail fast: the candidate never had traffic, so it is killed, not stopped, and removed with its volumes.
    std::int64_t detected = candidate.failed_at_ms;
    (void)client_.killContainer(candidate.id);
    auto removed = client_.removeContainer(candidate.id, {.force = true, .volumes = true});
    std::int64_t cleaned = nowMs();
    auto current = releases_.current(def->name);
    std::string kept = current && *current ? "release " + std::to_string((*current)->id) + " (" + (*current)->image + ")"
                                           : "nothing (first deploy)";
    store::Incident incident;
    incident.kind = "deploy-failed";
    incident.subject = def->name;
    incident.subject_id = candidate.id;
    incident.situation = "release " + std::to_string(release.id) + " (" + ref + ") failed its gate at " +
                         candidate.failed_step + ": " + candidate.failure;
    incident.task = "keep " + kept + " serving; remove the candidate before any request reaches it";
    incident.started_at_ms = candidate.failed_at_ms;
    incident.detected_at_ms = detected;
    incident.actions.push_back({cleaned, "remove", "candidate " + candidate.name + " killed and removed",
                                removed ? "ok" : removed.error().describe(), true, cleaned - detected});
    if (auto iid = incidents_.openIncident(incident)) {
      (void)incidents_.resolve(*iid, cleaned, kept + " kept serving; no user request reached the candidate");
    }
    release.detect_ms = candidate.failed_at_ms - candidate.started_at_ms;
    release.rollback_ms = cleaned - candidate.failed_at_ms;
    emit(candidate.failed_step, "failed", candidate.failure);
    emit("cleanup", "ok", "candidate killed and removed; " + kept + " kept serving", cleaned - detected);
    return fail_release(candidate.failed_step + ": " + candidate.failure);
  }
  return switchAndBake(*def, candidate, request);
}

Result<void> Deployer::gate(const ServiceDefinition& def, Candidate& c) {
  const auto& s = def.settings;
  const std::int64_t deadline = c.started_at_ms + s.gate_timeout_ms;
  auto failed = [&](const std::string& step, const std::string& why) {
    c.failed_step = step;
    c.failure = why;
    c.failed_at_ms = nowMs();
    c.checks.push_back({step, false, c.failed_at_ms - c.started_at_ms, why});
    return Result<void>{};
  };
  auto exited = [&](const docker::ContainerInspect& i) {
    std::string logs = lastLogLines(client_, c.id);
    return "the container exited with code " + std::to_string(i.state.exit_code) +
           (i.state.oom_killed ? " (OOM-killed)" : "") + (logs.empty() ? "" : ": " + logs);
  };

  // 1. Running, with an address on the service's network; and its own HEALTHCHECK, when it has one.
  std::int64_t step_start = nowMs();
  bool has_health = false;
  for (;;) {
    auto i = client_.inspectContainer(c.id);
    if (!i) return failed("start", i.error().describe());
    if (!i->state.running && (i->state.status == "exited" || i->state.status == "dead")) return failed("start", exited(*i));
    has_health = i->state.health.has_value();
    if (i->state.running && c.target.host.empty()) {
      auto target = containerTarget(client_, c.id, def.networks, s.port);
      if (target) c.target = *target;
    }
    if (!c.target.host.empty() && !has_health) break;
    if (has_health) {
      const auto& h = *i->state.health;
      // Fail fast: the first failed check (the engine counts only those after the start period) is definitive.
      if (h.status == "unhealthy" || h.failing_streak >= 1) {
        std::string output = h.last_output;
        while (!output.empty() && std::isspace(static_cast<unsigned char>(output.back()))) output.pop_back();
        return failed("health", "health check failed (exit " + std::to_string(h.last_exit_code) + "): " +
                                    (output.empty() ? "no output" : output));
      }
      if (h.status == "healthy" && !c.target.host.empty()) {
        c.checks.push_back({"container-health", true, nowMs() - step_start, "healthy"});
        emit("health", "ok", "HEALTHCHECK passed", nowMs() - step_start);
        break;
      }
    }
    if (nowMs() > deadline) {
      return failed(has_health ? "health" : "start",
                    "not " + std::string(has_health ? "healthy" : "running") + " after " +
                        formatDurationMs(s.gate_timeout_ms));
    }
    sleepMs(100);
  }
  c.target.release_id = release_id_;

  auto alive = [&]() -> std::string {
    auto i = client_.inspectContainer(c.id);
    if (!i) return i.error().describe();
    if (!i->state.running) return exited(*i);
    if (i->state.health && i->state.health->status == "unhealthy") return "the container became unhealthy";
    return "";
  };

  // 2. HTTP probes from the proxy's vantage point: probe_count successes in a row. Before the first success
  // (no HEALTHCHECK said it is up) failures are waited out until the deadline; after it, one is definitive.
  step_start = nowMs();
  std::string path = s.health_path.empty() ? "/" : s.health_path;
  int passed = 0;
  while (passed < s.probe_count) {
    json probe = {{"host", c.target.host}, {"port", c.target.port}, {"path", path}, {"timeout_ms", 2000},
                  {"expect_status", s.health_status}};
    auto r = admin_.call("POST", "/v1/services/" + def.name + "/probe", probe);
    if (!r) return failed("probe", r.error().describe());
    bool ok = (*r)["passed"].get<bool>() ||
              (s.health_path.empty() && (*r)["status"].get<int>() > 0 && (*r)["status"].get<int>() < 400);
    std::string seen = (*r)["status"].get<int>() ? "status " + std::to_string((*r)["status"].get<int>())
                                                 : (*r)["error"].get<std::string>();
    if (ok) {
      ++passed;
    } else if (passed > 0 || has_health || nowMs() > deadline) {
      return failed("probe", "GET " + path + " -> " + seen);
    }
    if (auto dead = alive(); !dead.empty()) return failed("probe", dead);
    if (passed < s.probe_count) sleepMs(s.probe_interval_ms);
  }
  c.checks.push_back({"http-probe", true, nowMs() - step_start,
                      std::to_string(passed) + " x GET " + path + " from the proxy"});
  emit("probe", "ok", std::to_string(passed) + " x GET " + path + " passed", nowMs() - step_start);

  // 3. Smoke tests, still before any user request.
  for (const auto& t : s.smoke) {
    step_start = nowMs();
    std::string step = "smoke:" + t.name;
    if (!t.command.empty()) {
      std::string url = "http://" + c.target.address();
      auto run = runCommand(t.command,
                            {{"SHIPSHAPE_CANDIDATE_URL", url},
                             {"SHIPSHAPE_CANDIDATE_ADDRESS", c.target.address()},
                             {"SHIPSHAPE_SERVICE", def.name}},
                            std::chrono::seconds(60));
      if (run.exit_code != 0) return failed(step, describeCommand(t.command, run));
      c.checks.push_back({step, true, nowMs() - step_start, describeCommand(t.command, run)});
    } else {
      json probe = {{"host", c.target.host}, {"port", c.target.port}, {"method", t.method}, {"path", t.path},
                    {"timeout_ms", 5000}, {"expect_status", t.expect_status}};
      auto r = admin_.call("POST", "/v1/services/" + def.name + "/probe", probe);
      if (!r) return failed(step, r.error().describe());
      std::string what = t.method + " " + t.path + " -> " +
                         ((*r)["status"].get<int>() ? std::to_string((*r)["status"].get<int>())
                                                    : (*r)["error"].get<std::string>()) +
                         " (want " + std::to_string(t.expect_status) + ")";
      if (!(*r)["passed"].get<bool>()) return failed(step, what);
      c.checks.push_back({step, true, nowMs() - step_start, what});
    }
    if (auto dead = alive(); !dead.empty()) return failed(step, dead);
    emit(step, "ok", c.checks.back().detail, nowMs() - step_start);
  }
  return {};
}

Result<DeployResult> Deployer::switchAndBake(const ServiceDefinition& def, Candidate& c, const DeployRequest& request) {
  json body = {{"release_id", release_id_}, {"host", c.target.host}, {"port", c.target.port}};
  if (request.bake_ms) body["bake_ms"] = *request.bake_ms;
  auto release = releases_.get(release_id_);
  if (!release) return fail(release.error());
  release->gate = c.checks;
  (void)releases_.update(*release);
  auto switched = admin_.call("POST", "/v1/services/" + def.name + "/switch", body);
  if (!switched) {
    // The candidate passed but could not take traffic: nothing changed for users; clean up and say so.
    (void)client_.killContainer(c.id);
    (void)client_.removeContainer(c.id, {.force = true, .volumes = true});
    release->outcome = store::kFailed;
    release->reason = "switch: " + switched.error().describe();
    release->finished_at_ms = nowMs();
    (void)releases_.update(*release);
    emit("switch", "failed", switched.error().describe());
    return DeployResult{release_id_, store::kFailed, release->reason, def.settings.listen};
  }
  std::string listen = switched->value("listen", def.settings.listen);
  bool has_previous = !(*switched)["previous"].is_null();
  emit("switch", "ok",
       "traffic on " + listen + " now goes to " + c.name + " (" + c.target.address() + ")" +
           (has_previous ? "; the previous version stays warm for the bake" : ""));
  if (!request.wait_for_bake) return DeployResult{release_id_, store::kPromoted, "bake running", listen};

  std::int64_t ends = (*switched)["bake_ends_at_ms"].get<std::int64_t>();
  std::int64_t next_note = nowMs() + 10000;
  if (has_previous && ends > nowMs()) emit("bake", "running", "watching 5xx ratio, latency and health until " + isoTimeMs(ends));
  for (;;) {
    auto status = admin_.call("GET", "/v1/services/" + def.name);
    if (!status) return fail(status.error().wrap("waiting for the bake of release " + std::to_string(release_id_)));
    const auto& bake = (*status)["bake"];
    if (bake.value("release_id", std::int64_t{0}) != release_id_ || bake.value("state", "") != "baking") {
      std::string state = bake.value("release_id", std::int64_t{0}) == release_id_ ? bake.value("state", "") : "";
      auto final_release = releases_.get(release_id_);
      if (state == "rolled_back") {
        std::string why = bake.value("reason", "");
        emit("bake", "failed", "switched back to the previous version: " + why +
                                   (final_release && final_release->rollback_ms
                                        ? " (traffic back in " + std::to_string(*final_release->rollback_ms) + " ms)"
                                        : ""));
        emit("done", "failed", "release " + std::to_string(release_id_) + " rolled back");
        return DeployResult{release_id_, store::kRolledBack, why, listen};
      }
      if (has_previous) emit("bake", "ok", "no regression; the previous version was drained and stopped");
      emit("done", "ok", "release " + std::to_string(release_id_) + " promoted");
      return DeployResult{release_id_, store::kPromoted, "", listen};
    }
    if (nowMs() >= next_note) {
      emit("bake", "running", formatDurationMs(ends - nowMs()) + " left");
      next_note = nowMs() + 10000;
    }
    sleepMs(100);
  }
}

Result<DeployResult> Deployer::rollback(const std::string& service, std::int64_t to, const DeployRequest& base) {
  service_ = service;
  auto good = releases_.knownGood(service);
  if (!good) return fail(good.error());
  auto current = releases_.current(service);
  if (!current) return fail(current.error());
  std::optional<store::Release> target;
  if (to > 0) {
    auto r = releases_.get(to);
    if (!r || r->service != service) return fail(ErrorCode::kNotFound, "no release " + std::to_string(to) + " of " + service);
    if (r->outcome != store::kPromoted && r->outcome != store::kSuperseded) {
      return fail(ErrorCode::kInvalidArgument, "release " + std::to_string(to) + " never served (" + r->outcome +
                                                   "): roll back to a known-good release");
    }
    target = *r;
  } else {
    for (const auto& r : *good) {
      if (*current && r.id == (*current)->id) continue;
      if (*current && r.digest == (*current)->digest && r.config_hash == (*current)->config_hash) continue;
      target = r;
      break;
    }
    if (!target) return fail(ErrorCode::kNotFound, "no earlier known-good release of " + service + " to roll back to");
  }
  DeployRequest request = base;
  request.service = service;
  request.compose_files.clear();
  request.rollback_of = target->id;
  request.allow_mutable = true;  // the image is taken by ID
  emit("resolve", "info", "rolling back to release " + std::to_string(target->id) + " (" + target->image + ")");
  return deploy(request);
}

Result<DeployResult> Deployer::adopt(const AdoptRequest& request) {
  auto pinged = admin_.ping();
  if (!pinged) return fail(pinged.error());
  auto raw = client_.inspectContainerJson(request.container);
  if (!raw) return fail(raw.error());
  auto image_id = json::parse(*raw, nullptr, false).value("Image", "");
  auto image_raw = client_.inspectImageJson(image_id);
  auto def = definitionFromInspect(*raw, image_raw ? *image_raw : "{}", request.service);
  if (!def) return fail(def.error());
  service_ = def->name;
  if (!request.listen.empty()) {
    def->settings.listen = request.listen.find(':') == std::string::npos ? "127.0.0.1:" + request.listen : request.listen;
  }
  if (request.port > 0) def->settings.port = request.port;
  if (!request.health_path.empty()) def->settings.health_path = request.health_path;
  if (def->settings.listen.empty()) {
    return fail(ErrorCode::kInvalidArgument, "container " + request.container +
                                                 " has no proxy address: give --listen HOST:PORT or label it "
                                                 "shipshape.proxy.listen");
  }
  if (def->settings.port <= 0) {
    return fail(ErrorCode::kInvalidArgument,
                "container " + request.container + " has no single exposed port: give --port or label it shipshape.proxy.port");
  }
  for (const auto& w : def->warnings) emit("adopt", "info", w);
  auto saved = releases_.putService(toRecord(*def));
  if (!saved) return fail(saved.error());
  auto inspect = client_.inspectContainer(request.container);
  if (!inspect) return fail(inspect.error());
  auto target = containerTarget(client_, inspect->id, def->networks, def->settings.port);
  if (!target) return fail(target.error());

  store::Release release;
  release.service = def->name;
  release.image = def->image;
  release.image_id = inspect->image_id;
  release.digest = inspect->image_id;
  if (auto image = client_.inspectImage(inspect->image_id); image && !image->repo_digests.empty()) {
    release.digest = image->repo_digests.front();
  }
  json body = candidateBody(*def, inspect->image_id, 0);
  release.config_hash = configHash(body);
  release.container_id = inspect->id;
  release.container_name = inspect->name;
  release.actor = "adopt";
  release.started_at_ms = nowMs();
  release.spec_json = body.dump();
  auto id = releases_.add(release);
  if (!id) return fail(id.error());
  release_id_ = *id;
  auto switched = admin_.call("POST", "/v1/services/" + def->name + "/switch",
                              {{"release_id", *id}, {"host", target->host}, {"port", target->port}, {"bake_ms", 0}});
  if (!switched) return fail(switched.error());
  std::string listen = switched->value("listen", def->settings.listen);
  emit("adopt", "ok", "serving " + inspect->name + " (" + target->address() + ") on " + listen + " as release " +
                          std::to_string(*id));
  return DeployResult{*id, store::kPromoted, "", listen};
}

}  // namespace shipshape::deploy
