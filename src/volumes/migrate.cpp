#include "volumes/migrate.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/log.h"
#include "volumes/restore.h"

namespace shipshape::volumes {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kPreMigrationSuffix = "-pre-migration";
constexpr const char* kWasRunningLabel = "shipshape.migrated-was-running";

std::string volumeNameFor(const std::string& container, const std::string& destination) {
  std::string name = container + "-";
  for (char c : destination) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
    if (ok) {
      name.push_back(c);
    } else if (name.back() != '-') {
      name.push_back('-');
    }
  }
  while (name.back() == '-') name.pop_back();
  return name;
}

std::string containerPath(const std::string& bind) {
  // "src:/dst[:opts]" or "/dst" (anonymous)
  auto first = bind.find(':');
  if (first == std::string::npos) return bind;
  auto second = bind.find(':', first + 1);
  return bind.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
}

// Running (and healthy, when it has a health check) within `timeout`; the error says which state it reached.
Result<void> waitReady(docker::Client& client, const std::string& id, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::string last = "created";
  while (Clock::now() < deadline) {
    auto c = client.inspectContainer(id);
    if (!c) return fail(c.error());
    last = c->state.status;
    if (!c->state.running && (c->state.status == "exited" || c->state.status == "dead")) {
      return fail(ErrorCode::kApi, "the recreated container exited (code " + std::to_string(c->state.exit_code) + ")");
    }
    std::string health = c->healthStatus();
    if (c->state.running && (health == "none" || health == "healthy")) return {};
    if (health == "unhealthy") return fail(ErrorCode::kApi, "the recreated container is unhealthy");
    last += health == "none" ? "" : " (" + health + ")";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return fail(ErrorCode::kTimeout,
              "the recreated container is still " + last + " after " + std::to_string(timeout.count() / 1000) + " s");
}

// A failure after the rename: the new container goes, the original comes back under its name and runs.
void putBack(docker::Client& client, const std::string& name, const std::string& original_id, const std::string& new_id,
             bool was_running) {
  if (!new_id.empty()) {
    docker::RemoveOptions options;
    options.force = true;
    (void)client.removeContainer(new_id, options);
  }
  if (auto renamed = client.renameContainer(original_id, name); !renamed) {
    SHIPSHAPE_LOG(volumes, error, "could not rename {} back to {}: {}", original_id.substr(0, 12), name,
                  renamed.error().message);
  }
  if (was_running) (void)client.startContainer(original_id);
}

}  // namespace

Result<RecreatePlan> recreatePlan(const std::string& inspect_json,
                                  const std::vector<std::pair<std::string, std::string>>& replacements,
                                  const std::string& migration_label) {
  json inspect = json::parse(inspect_json, nullptr, false);
  if (!inspect.is_object() || !inspect.contains("Config") || !inspect.contains("HostConfig")) {
    return fail(ErrorCode::kProtocol, "unexpected container inspect reply");
  }
  std::string id = inspect.value("Id", "");
  json config = inspect["Config"];
  // The engine defaults the hostname to the short ID: a new container gets its own.
  if (config.value("Hostname", "") == id.substr(0, 12)) config.erase("Hostname");
  config["Image"] = inspect.value("Image", config.value("Image", ""));  // the same image, by ID
  if (!config["Labels"].is_object()) config["Labels"] = json::object();
  config["Labels"]["shipshape.volumes.migrated"] = migration_label;
  json host = inspect["HostConfig"];
  json mounts = host.value("Mounts", json::array());
  if (!mounts.is_array()) mounts = json::array();
  json binds = host.value("Binds", json::array());
  if (!binds.is_array()) binds = json::array();
  for (const auto& replacement : replacements) {
    const std::string& destination = replacement.first;  // named: the lambdas below refer to it
    const std::string& volume = replacement.second;
    mounts.erase(std::remove_if(mounts.begin(), mounts.end(),
                                [&](const json& m) { return m.value("Target", "") == destination; }),
                 mounts.end());
    binds.erase(std::remove_if(
                    binds.begin(), binds.end(),
                    [&](const json& b) { return b.is_string() && containerPath(b.get<std::string>()) == destination; }),
                binds.end());
    bool read_only = false;
    for (const auto& m : inspect.value("Mounts", json::array())) {
      if (m.value("Destination", "") == destination) read_only = !m.value("RW", true);
    }
    mounts.push_back({{"Type", "volume"}, {"Source", volume}, {"Target", destination}, {"ReadOnly", read_only}});
  }
  host["Mounts"] = mounts;
  host["Binds"] = binds;
  config["HostConfig"] = host;

  RecreatePlan plan;
  std::string mode = host.value("NetworkMode", "default");
  json networks = inspect.value("NetworkSettings", json::object()).value("Networks", json::object());
  auto endpointOf = [&](const json& n) {
    json e = json::object();
    json aliases = json::array();
    for (const auto& a : n.value("Aliases", json::array())) {
      // The engine adds the short ID itself; the old one would point at nothing.
      if (a.is_string() && a.get<std::string>() != id.substr(0, 12)) aliases.push_back(a);
    }
    if (!aliases.empty()) e["Aliases"] = aliases;
    if (n.contains("IPAMConfig") && n["IPAMConfig"].is_object()) e["IPAMConfig"] = n["IPAMConfig"];
    if (n.contains("Links") && n["Links"].is_array()) e["Links"] = n["Links"];
    if (n.contains("DriverOpts") && n["DriverOpts"].is_object()) e["DriverOpts"] = n["DriverOpts"];
    return e;
  };
  std::string primary = mode == "default" ? "bridge" : mode;
  json endpoints = json::object();
  for (const auto& [name, n] : networks.items()) {
    if (name == primary) {
      endpoints[name] = endpointOf(n);
    } else if (!mode.starts_with("container:") && mode != "host" && mode != "none") {
      plan.extra_networks.emplace_back(name, endpointOf(n).dump());
    }
  }
  if (!endpoints.empty()) config["NetworkingConfig"] = {{"EndpointsConfig", endpoints}};
  plan.body = config.dump();
  return plan;
}

Result<MigrateResult> migrateContainer(docker::Client& client, const MigrateOptions& options) {
  auto started = Clock::now();
  const std::string& name = options.container;
  // A rerun after an interrupted migration: the original is under its -pre-migration name.
  if (auto parked = client.inspectContainer(name + kPreMigrationSuffix)) {
    auto current = client.inspectContainer(name);
    if (current && current->state.running && current->config.labels.contains("shipshape.volumes.migrated")) {
      // The new container came up before the interruption: finish by removing the original.
      SHIPSHAPE_LOG(volumes, info, "{} already runs on its named volume; removing the original container", name);
      docker::RemoveOptions o;
      o.force = true;
      if (auto removed = client.removeContainer(parked->id, o); !removed) return fail(removed.error());
      MigrateResult done;
      done.container = name;
      done.container_id = current->id;
      return done;
    }
    SHIPSHAPE_LOG(volumes, warn, "an interrupted migration of {} left {}{}: putting the original back", name, name,
                  kPreMigrationSuffix);
    putBack(client, name, parked->id, current ? current->id : "", false);
  }
  auto inspected = client.inspectContainer(name);
  if (!inspected) {
    if (inspected.error().code == ErrorCode::kNotFound) return fail(ErrorCode::kNotFound, "no such container: " + name);
    return fail(inspected.error());
  }
  auto raw = client.inspectContainerJson(inspected->id);
  if (!raw) return fail(raw.error());

  MigrateResult result;
  result.container = name;
  for (const auto& m : inspected->mounts) {
    if (m.type != "volume" || !docker::Volume{m.name}.looksAnonymous()) continue;
    if (!options.mountpoint.empty() && m.destination != options.mountpoint) continue;
    MigratedVolume v;
    v.destination = m.destination;
    v.old_volume = m.name;
    result.volumes.push_back(v);
  }
  if (result.volumes.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                name + " has no anonymous volume" + (options.mountpoint.empty() ? "" : " at " + options.mountpoint));
  }
  if (!options.name.empty() && result.volumes.size() > 1) {
    return fail(ErrorCode::kInvalidArgument, "--name names one volume; " + name + " has " +
                                                 std::to_string(result.volumes.size()) + " (choose one with --volume)");
  }
  // An interrupted run stopped the container already: whether it ran is in the new volume's labels, which
  // are written before anything is stopped (a volume's labels are fixed at creation).
  bool was_running = inspected->state.running;
  for (auto& v : result.volumes) {
    v.new_volume = options.name.empty() ? volumeNameFor(name, v.destination) : options.name;
    auto existing = client.inspectVolume(v.new_volume);
    if (existing) {
      auto from = existing->labels.find("shipshape.migrated-from");
      if (from == existing->labels.end() || from->second != v.old_volume) {
        return fail(ErrorCode::kConflict, "volume " + v.new_volume + " already exists (choose another with --name)");
      }
      // Left by an interrupted run of this same migration: it is copied into again and verified.
      auto ran = existing->labels.find(kWasRunningLabel);
      if (ran != existing->labels.end() && ran->second == "true") was_running = true;
    } else {
      auto created = client.createVolume(v.new_volume, {{"shipshape.migrated-from", v.old_volume},
                                                        {"shipshape.migrated-container", name},
                                                        {kWasRunningLabel, was_running ? "true" : "false"}});
      if (!created) return fail(created.error());
    }
  }

  auto downtime_start = Clock::now();
  if (inspected->state.running) {
    if (auto stopped = client.stopContainer(inspected->id); !stopped) return fail(stopped.error());
  }
  auto restart_original = [&](Error e) -> Result<MigrateResult> {
    if (was_running) (void)client.startContainer(inspected->id);
    return fail(e.wrap("migrating " + name + " (the original is untouched" +
                       std::string(was_running ? " and running again)" : ")")));
  };
  std::string migration_label;
  for (auto& v : result.volumes) {
    auto copied = copyVolume(client, v.old_volume, v.new_volume);
    if (!copied) return restart_original(copied.error());
    v.bytes = *copied;
    auto before = scanVolume(client, v.old_volume);
    if (!before) return restart_original(before.error());
    auto after = scanVolume(client, v.new_volume);
    if (!after) return restart_original(after.error());
    if (auto diff = firstDifference(before->entries, after->entries)) {
      return restart_original(Error{ErrorCode::kIo, "volume " + v.new_volume + " differs from the original: " + *diff});
    }
    v.files = after->files;
    migration_label += (migration_label.empty() ? "" : ",") + v.destination + "=" + v.old_volume;
  }
  std::vector<std::pair<std::string, std::string>> replacements;
  for (const auto& v : result.volumes) replacements.emplace_back(v.destination, v.new_volume);
  auto plan = recreatePlan(*raw, replacements, migration_label);
  if (!plan) return restart_original(plan.error());

  // The swap: from here a failure puts the original back under its name.
  if (auto renamed = client.renameContainer(inspected->id, name + kPreMigrationSuffix); !renamed) {
    return restart_original(renamed.error());
  }
  auto created = client.createContainerFromJson(plan->body, name);
  if (!created) {
    putBack(client, name, inspected->id, "", was_running);
    return fail(created.error().wrap("recreating " + name + " (the original is back)"));
  }
  for (const auto& [network, endpoint] : plan->extra_networks) {
    if (auto connected = client.connectNetwork(network, *created, endpoint); !connected) {
      putBack(client, name, inspected->id, *created, was_running);
      return fail(connected.error().wrap("recreating " + name + " (the original is back)"));
    }
  }
  if (was_running) {
    if (auto run = client.startContainer(*created); !run) {
      putBack(client, name, inspected->id, *created, was_running);
      return fail(run.error().wrap("starting the recreated " + name + " (the original is back)"));
    }
    if (auto ready = waitReady(client, *created, options.ready_timeout); !ready) {
      putBack(client, name, inspected->id, *created, was_running);
      return fail(ready.error().wrap("the recreated " + name + " (the original is back)"));
    }
  }
  result.downtime_seconds = std::chrono::duration<double>(Clock::now() - downtime_start).count();
  result.container_id = *created;
  docker::RemoveOptions o;
  o.force = true;  // never v=1: the old volume stays until --prune-old
  if (auto removed = client.removeContainer(inspected->id, o); !removed) {
    SHIPSHAPE_LOG(volumes, warn, "could not remove the original container {}: {}", inspected->id.substr(0, 12),
                  removed.error().message);
  }
  if (options.prune_old) {
    bool all = true;
    for (const auto& v : result.volumes) all &= static_cast<bool>(client.removeVolume(v.old_volume));
    result.old_pruned = all;
  }
  const auto& labels = inspected->config.labels;
  if (auto project = labels.find("com.docker.compose.project"); project != labels.end()) {
    std::string service = labels.contains("com.docker.compose.service") ? labels.at("com.docker.compose.service") : "?";
    std::string files = labels.contains("com.docker.compose.project.config_files")
                            ? labels.at("com.docker.compose.project.config_files")
                            : "compose.yaml";
    std::string hint = "Compose: so that the next `docker compose up` keeps it, in " + files +
                       " set\n  services:\n    " + service + ":\n      volumes:\n";
    for (const auto& v : result.volumes) hint += "        - " + v.new_volume + ":" + v.destination + "\n";
    hint += "  volumes:\n";
    for (const auto& v : result.volumes) hint += "    " + v.new_volume + ":\n      external: true\n";
    result.compose_hint = hint;
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return result;
}

}  // namespace shipshape::volumes
