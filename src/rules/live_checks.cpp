#include "rules/live_checks.h"

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/format.h"
#include "rules/catalog.h"
#include "rules/image_ref.h"
#include "rules/policy.h"
#include "rules/secrets.h"

namespace shipshape::rules {
namespace {

using docker::ContainerInspect;
using nlohmann::json;

bool hasOpt(const std::vector<std::string>& opts, std::string_view prefix) {
  return std::any_of(opts.begin(), opts.end(), [&](const std::string& o) { return o.rfind(prefix, 0) == 0; });
}

std::string percent(double ratio) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", ratio * 100);
  return buf;
}

class LiveChecker {
 public:
  explicit LiveChecker(const LiveSnapshot& s) : s_(s) {
    if (s.daemon_json) {
      daemon_ = json::parse(*s.daemon_json, nullptr, false);
      if (daemon_.is_discarded()) daemon_ = json::object();
    }
  }

  std::vector<Finding> runOne(const ContainerInspect& c) {
    checkContainer(c);
    return std::move(findings_);
  }

  std::vector<Finding> run() {
    checkDaemon();
    for (const auto& c : s_.containers) checkContainer(c);
    for (const auto& v : s_.dangling_volumes) checkDanglingVolume(v);
    checkClientConfig();
    return std::move(findings_);
  }

 private:
  void report(const char* rule_id, const std::string& kind, const std::string& name, std::string message) {
    findings_.push_back(makeFinding(rule_id, std::move(message), Location::object(kind, name)));
  }

  void checkDaemon() {
    const auto& info = s_.info;
    const std::string daemon = info.name.empty() ? "dockerd" : info.name;
    bool swarm = info.swarm_local_node_state == "active";
    // live-restore cannot be combined with Swarm mode; do not ask for the impossible.
    if (!info.live_restore_enabled && !swarm) {
      report("SS201", "daemon", daemon, "live-restore is disabled: a dockerd crash or restart stops every container");
    }
    if (info.driver != "overlay2") {
      report("SS202", "daemon", daemon, "storage driver is " + info.driver + ", not overlay2");
    } else {
      for (const auto& [k, v] : info.driver_status) {
        if (k == "Supports d_type" && v == "false") {
          report("SS202", "daemon", daemon, "overlay2 on a backing filesystem without d_type support");
        }
        if (k == "Backing Filesystem" && (v == "overlayfs" || v == "tmpfs" || v == "<unknown>")) {
          report("SS202", "daemon", daemon, "overlay2 on a " + v + " backing filesystem");
        }
      }
    }
    if (s_.data_root_disk) {
      const auto& d = *s_.data_root_disk;
      if (d.used_ratio > 0.85 || d.inode_ratio > 0.85) {
        report("SS203", "daemon", daemon,
               info.docker_root_dir + " is " + percent(d.used_ratio) + " full with " + percent(d.inode_ratio) +
                   " of inodes used");
      }
    }
    for (const auto& w : info.warnings) report("SS205", "daemon", daemon, w);
    for (const auto& r : info.insecure_registries) {
      report("SS603", "daemon", daemon, "registry " + r + " is configured as insecure (plain HTTP)");
    }
  }

  bool daemonDefaultsNoNewPrivileges() const {
    return daemon_.is_object() && daemon_.value("no-new-privileges", false);
  }

  void checkContainer(const ContainerInspect& c) {
    const std::string name = c.name;
    const auto& h = c.host_config;
    if (h.memory == 0) report("SS101", "container", name, "no memory limit");
    if (h.effectiveNanoCpus() == 0 && h.cpuset_cpus.empty()) report("SS102", "container", name, "no CPU limit");
    if (!h.hasPidsLimit()) report("SS103", "container", name, "no PIDs limit");
    if (h.log_config.type == "json-file" && !h.log_config.config.count("max-size")) {
      report("SS104", "container", name, "json-file logs without max-size grow until the disk is full");
    }
    if (h.memory > 0 && h.memory_reservation > h.memory) {
      report("SS105", "container", name,
             "memory reservation " + humanBytes(h.memory_reservation) + " is above the limit " + humanBytes(h.memory));
    }
    if (auto it = s_.memory_usage.find(c.id); it != s_.memory_usage.end() && h.memory > 0 && it->second > h.memory * 95 / 100) {
      report("SS105", "container", name,
             "uses " + humanBytes(it->second) + " of its " + humanBytes(h.memory) + " limit: the next spike is an OOM kill");
    }
    bool long_running = !h.auto_remove && (c.state.running || c.state.status == "exited" || c.state.status == "created");
    if (long_running && (h.restart_policy.name.empty() || h.restart_policy.name == "no")) {
      report("SS204", "container", name, "no restart policy: it stays down after a crash or a daemon restart");
    }

    const docker::ImageInspect* image = nullptr;
    if (auto it = s_.images.find(c.image_id); it != s_.images.end()) image = &it->second;
    std::set<std::string> declared = c.config.volumes;
    if (image) declared.insert(image->config.volumes.begin(), image->config.volumes.end());
    for (const auto& m : c.mounts) {
      bool anonymous = m.type == "volume" && (m.name.empty() || docker::Volume{m.name}.looksAnonymous());
      if (!anonymous) continue;
      const std::string volume = m.name.empty() ? "a new anonymous volume" : "anonymous volume " + shortId(m.name);
      if (h.auto_remove) {
        report("SS303", "container", name,
               "--rm container writes " + m.destination + " to " + volume + ", deleted when it exits");
      } else if (declared.count(m.destination)) {
        report("SS301", "container", name,
               "declared VOLUME " + m.destination + " is " + volume + ": a recreate or `rm -v` loses it");
      }
    }

    if (c.config.user.empty() || isRootUser(c.config.user)) {
      report("SS401", "container", name, c.config.user.empty() ? "runs as root (no user set)" : "runs as " + c.config.user);
    }
    if (!h.readonly_rootfs) report("SS402", "container", name, "root filesystem is writable");
    if (h.privileged) report("SS403", "container", name, "runs privileged");
    for (const auto& opt : h.security_opt) {
      if (opt == "seccomp=unconfined" || opt == "seccomp:unconfined") {
        report("SS404", "container", name, "seccomp is unconfined");
      }
      // AppArmor only matters where the host has it; label=disable is SELinux and not counted either way.
      if ((opt == "apparmor=unconfined" || opt == "apparmor:unconfined") && hasOpt(s_.info.security_options, "name=apparmor")) {
        report("SS404", "container", name, "AppArmor is unconfined");
      }
    }
    if (!hasOpt(h.security_opt, "no-new-privileges") && !daemonDefaultsNoNewPrivileges()) {
      report("SS405", "container", name, "no-new-privileges is not set");
    }
    for (const auto& cap : h.cap_add) {
      if (isDangerousCapability(cap)) report("SS406", "container", name, "adds capability " + cap);
    }
    if (h.cap_drop.empty() && !h.privileged) {
      report("SS406", "container", name, "drops no capabilities (keeps the whole default set)");
      findings_.back().severity = Severity::kLow;  // hygiene, not an open door like an added SYS_ADMIN
    }
    for (const auto& m : c.mounts) {
      if (m.type != "bind") continue;
      if (isDockerSocket(m.source)) {
        report("SS407", "container", name, "mounts the Docker socket " + m.source + " at " + m.destination);
        continue;
      }
      if (isSensitiveHostPath(m.source)) {
        report("SS410", "container", name,
               "bind-mounts host path " + m.source + (m.rw ? " read-write" : " read-only") + " at " + m.destination);
        if (!m.rw) findings_.back().severity = Severity::kMedium;
      }
    }
    if (h.network_mode == "host") report("SS408", "container", name, "shares the host network namespace");
    if (h.pid_mode == "host") report("SS408", "container", name, "shares the host PID namespace");
    if (h.ipc_mode == "host") report("SS408", "container", name, "shares the host IPC namespace");

    std::set<std::string> image_env;
    if (image) image_env.insert(image->config.env.begin(), image->config.env.end());
    for (const auto& e : c.config.env) {
      auto eq = e.find('=');
      if (eq == std::string::npos) continue;
      std::string key = e.substr(0, eq), value = e.substr(eq + 1);
      if (value.empty()) continue;
      if (isSecretAssignment(key, value)) {
        std::string where = image_env.count(e) ? " (baked into the image)" : "";
        report("SS409", "container", name, "environment " + key + " holds a literal secret " + redact(value) + where);
      }
    }
    for (const auto& [key, value] : c.config.labels) {
      if (isSecretAssignment(key, value)) {
        report("SS409", "container", name, "label " + key + " holds a literal secret " + redact(value));
      }
    }

    ImageRef ref = parseImageRef(c.config.image);
    bool by_id = c.config.image.rfind("sha256:", 0) == 0;
    if (!by_id && ref.mutableTag()) {
      report("SS501", "container", name, "runs image " + c.config.image + " by a mutable tag: nothing to roll back to");
    }
    bool has_health = c.config.healthcheck && !c.config.healthcheck->test.empty() &&
                      c.config.healthcheck->test.front() != "NONE";
    if (!has_health) {
      report("SS502", "container", name,
             c.config.healthcheck ? "health check disabled (NONE)" : "no health check: only 'running' is known");
    }
  }

  void checkDanglingVolume(const docker::Volume& v) {
    if (!v.looksAnonymous()) return;
    if (v.usage && v.usage->size == 0) return;  // empty: nothing to lose
    std::string size = v.usage && v.usage->size > 0 ? humanBytes(v.usage->size) : "unknown size";
    // The engine does not remember which container used a volume; Compose's labels do, when present.
    std::string owner;
    auto label = [&](const char* key) {
      auto it = v.labels.find(key);
      return it == v.labels.end() ? std::string() : it->second;
    };
    if (!label("com.docker.compose.project").empty()) {
      owner = ", last used by Compose project " + label("com.docker.compose.project");
      if (!label("com.docker.compose.service").empty()) owner += " service " + label("com.docker.compose.service");
    }
    report("SS304", "volume", v.name,
           "dangling anonymous volume holds " + size + (v.created_at.empty() ? "" : ", created " + v.created_at) + owner);
  }

  void checkClientConfig() {
    if (!s_.client_config) return;
    json cfg = json::parse(*s_.client_config, nullptr, false);
    if (!cfg.is_object() || !cfg.contains("auths") || !cfg["auths"].is_object()) return;
    bool store = cfg.contains("credsStore") && cfg["credsStore"].is_string() && !cfg["credsStore"].get<std::string>().empty();
    json helpers = cfg.value("credHelpers", json::object());
    for (const auto& [registry, entry] : cfg["auths"].items()) {
      if (!entry.is_object()) continue;
      std::string auth = entry.value("auth", "");
      bool helper = store || (helpers.is_object() && helpers.contains(registry));
      if (!auth.empty() && !helper) {
        report("SS601", "client-config", s_.client_config_path,
               "credentials for " + registry + " are stored base64-encoded in plaintext");
      }
      std::string token = entry.value("identitytoken", "");
      if (token.empty() && !auth.empty()) {
        if (auto decoded = base64Decode(auth)) token = decoded->substr(decoded->find(':') + 1);
      }
      checkTokenExpiry(registry, token);
    }
  }

  void checkTokenExpiry(const std::string& registry, const std::string& token) {
    // A JWT: header.payload.signature, the payload carrying "exp" in seconds since the epoch.
    auto first = token.find('.');
    auto second = token.find('.', first + 1);
    if (first == std::string::npos || second == std::string::npos) return;
    auto payload = base64Decode(std::string_view(token).substr(first + 1, second - first - 1));
    if (!payload) return;
    json claims = json::parse(*payload, nullptr, false);
    if (!claims.is_object() || !claims.contains("exp") || !claims["exp"].is_number()) return;
    auto exp = claims["exp"].get<std::int64_t>();
    if (exp < s_.now_epoch) {
      report("SS602", "client-config", s_.client_config_path,
             "the stored token for " + registry + " expired " + std::to_string((s_.now_epoch - exp) / 3600) + " h ago");
    } else if (exp < s_.now_epoch + 24 * 3600) {
      report("SS602", "client-config", s_.client_config_path,
             "the stored token for " + registry + " expires in " + std::to_string((exp - s_.now_epoch) / 60) + " min");
    }
  }

  const LiveSnapshot& s_;
  json daemon_;
  std::vector<Finding> findings_;
};

}  // namespace

std::vector<Finding> checkLive(const LiveSnapshot& snapshot) { return LiveChecker(snapshot).run(); }

std::vector<Finding> checkContainer(const LiveSnapshot& context, const docker::ContainerInspect& c) {
  return LiveChecker(context).runOne(c);
}

}  // namespace shipshape::rules
