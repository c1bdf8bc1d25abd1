#include "volumes/consistency.h"

#include <nlohmann/json.hpp>

#include "common/log.h"
#include "rules/stateful_images.h"

namespace shipshape::volumes {

Result<ConsistencyMode> parseConsistency(std::string_view name) {
  if (name == "auto") return ConsistencyMode::kAuto;
  if (name == "stop") return ConsistencyMode::kStop;
  if (name == "hook") return ConsistencyMode::kHook;
  if (name == "none") return ConsistencyMode::kNone;
  return fail(ErrorCode::kInvalidArgument,
              "unknown consistency '" + std::string(name) + "' (auto, stop, hook or none)");
}

Result<std::vector<VolumeUser>> volumeUsers(docker::Client& client, const std::string& volume) {
  docker::ContainerListOptions options;
  options.all = true;
  options.filters["volume"] = {volume};
  auto list = client.listContainers(options);
  if (!list) return fail(list.error());
  std::vector<VolumeUser> users;
  for (const auto& c : *list) {
    for (const auto& m : c.mounts) {
      if (m.type != "volume" || m.name != volume) continue;
      users.push_back(VolumeUser{c.id, c.name, c.image, c.state == "running" || c.state == "paused",
                                 c.state == "paused", m.rw, m.destination, c.labels});
    }
  }
  return users;
}

std::optional<std::vector<std::string>> backupHook(const VolumeUser& user) {
  if (auto it = user.labels.find("shipshape.backup.hook"); it != user.labels.end()) {
    auto argv = nlohmann::json::parse(it->second, nullptr, false);
    if (argv.is_array() && !argv.empty()) {
      std::vector<std::string> out;
      for (const auto& a : argv) {
        if (a.is_string()) out.push_back(a.get<std::string>());
      }
      if (out.size() == argv.size()) return out;
    }
    SHIPSHAPE_LOG(volumes, warn, "{}: label shipshape.backup.hook is not a JSON array of strings; ignored", user.name);
  }
  // Known databases: a dump next to the data, so the backup holds one file that is consistent by
  // construction. The shell is the container's own (redirection), never shipshape's.
  const rules::StatefulImage* db = rules::findStatefulImage(user.image);
  if (db == nullptr) return std::nullopt;
  std::string base = db->name;
  const std::string& dir = user.destination;
  if (base == "postgres" || base == "postgis" || base == "timescaledb") {
    return std::vector<std::string>{"sh", "-c",
                                    "pg_dumpall -U \"${POSTGRES_USER:-postgres}\" > '" + dir + "/shipshape-dump.sql'"};
  }
  if (base == "mysql" || base == "mariadb" || base == "percona") {
    return std::vector<std::string>{
        "sh", "-c",
        "exec \"$(command -v mariadb-dump || command -v mysqldump)\" --all-databases --single-transaction "
        "-uroot -p\"$MYSQL_ROOT_PASSWORD$MARIADB_ROOT_PASSWORD\" > '" +
            dir + "/shipshape-dump.sql'"};
  }
  if (base == "mongo" || base == "mongodb") {
    return std::vector<std::string>{"sh", "-c", "mongodump --archive='" + dir + "/shipshape-dump.archive'"};
  }
  if (base == "redis" || base == "valkey") return std::vector<std::string>{"redis-cli", "SAVE"};
  return std::nullopt;
}

Consistency::~Consistency() {
  if (auto undone = end(); !undone) {
    SHIPSHAPE_LOG(volumes, error, "after the copy: {}", undone.error().message);
  }
}

Result<void> Consistency::begin() {
  std::vector<const VolumeUser*> writers;
  for (const auto& u : users_) {
    if (u.running && u.read_write) writers.push_back(&u);
  }
  if (mode_ == ConsistencyMode::kNone || writers.empty()) {
    method_ = "none";
    return {};
  }
  if (mode_ == ConsistencyMode::kAuto || mode_ == ConsistencyMode::kHook) {
    bool all_hooked = true;
    for (const auto* w : writers) all_hooked &= backupHook(*w).has_value() && !w->paused;
    if (all_hooked) {
      for (const auto* w : writers) {
        auto argv = *backupHook(*w);
        auto ran = client_.exec(w->id, argv, std::chrono::minutes(30));
        if (!ran) return fail(ran.error().wrap("backup hook in " + w->name));
        hook_output_ += ran->output;
        if (ran->exit_code != 0) {
          return fail(ErrorCode::kApi, "backup hook `" + argv.front() + "` in " + w->name + " exited " +
                                           std::to_string(ran->exit_code) + ": " + ran->output.substr(0, 500));
        }
      }
      method_ = "hook";
      return {};
    }
    if (mode_ == ConsistencyMode::kHook) {
      return fail(ErrorCode::kInvalidArgument,
                  "--consistency hook: a container writing to the volume has no shipshape.backup.hook label and no "
                  "known database image");
    }
  }
  frozen_at_ = std::chrono::steady_clock::now();
  for (const auto* w : writers) {
    if (mode_ == ConsistencyMode::kStop) {
      if (auto stopped = client_.stopContainer(w->id); !stopped) {
        (void)end();
        return fail(stopped.error().wrap("stopping " + w->name + " for a consistent copy"));
      }
      stopped_.push_back(w->id);
      method_ = "stop";
    } else {
      if (w->paused) continue;  // someone else paused it: leave it as found
      if (auto paused = client_.pauseContainer(w->id); !paused) {
        (void)end();
        return fail(paused.error().wrap("pausing " + w->name + " for a consistent copy"));
      }
      paused_.push_back(w->id);
      method_ = "pause";
    }
  }
  return {};
}

Result<void> Consistency::end() {
  Result<void> first{};
  for (const auto& id : paused_) {
    if (auto r = client_.unpauseContainer(id); !r && first) first = fail(r.error());
  }
  for (const auto& id : stopped_) {
    if (auto r = client_.startContainer(id); !r && first) first = fail(r.error());
  }
  if (!paused_.empty() || !stopped_.empty()) {
    paused_ms_ =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - frozen_at_).count();
  }
  paused_.clear();
  stopped_.clear();
  return first;
}

}  // namespace shipshape::volumes
