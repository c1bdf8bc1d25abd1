#include "rules/compose_checks.h"

#include <algorithm>
#include <set>

#include "common/format.h"
#include "rules/catalog.h"
#include "rules/image_ref.h"
#include "rules/policy.h"
#include "rules/secrets.h"
#include "rules/stateful_images.h"

namespace shipshape::rules {
namespace {

using compose::Node;

struct Mount {
  std::string type;  // volume, bind, tmpfs
  std::string source, target;
  bool read_only = false;
  bool unresolved = false;  // built from an unset variable: what it mounts is not known
  const Node* node = nullptr;
};

Mount parseMount(const Node& v) {
  Mount m;
  m.node = &v;
  m.unresolved = v.unresolved;
  if (v.isMap()) {
    if (const Node* t = v.get("type")) m.type = t->text();
    if (const Node* s = v.get("source")) {
      m.source = s->text();
      m.unresolved = s->unresolved;
    }
    if (const Node* t = v.get("target")) m.target = t->text();
    if (const Node* r = v.get("read_only")) m.read_only = r->truthy();
    if (m.type.empty()) m.type = "volume";
    return m;
  }
  const std::string& t = v.text();
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    auto colon = t.find(':', start);
    parts.push_back(t.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (parts.size() == 1) {
    m.type = "volume";  // anonymous
    m.target = parts[0];
    return m;
  }
  m.source = parts[0];
  m.target = parts[1];
  if (parts.size() > 2) m.read_only = parts[2].find("ro") != std::string::npos;
  bool path = !m.source.empty() && (m.source[0] == '/' || m.source[0] == '.' || m.source[0] == '~' || m.source[0] == '$');
  m.type = path ? "bind" : "volume";
  return m;
}

}  // namespace

std::string buildFactsKey(const compose::Node& build) {
  return "build@" + build.file + ":" + std::to_string(build.line) + ":" + std::to_string(build.column);
}

namespace {

class ComposeChecker {
 public:
  ComposeChecker(const Node& root, const ImageFactsByRef* images) : root_(root), images_(images) {}

  std::vector<Finding> run() {
    const Node* services = root_.get("services");
    if (!services || !services->isMap()) return {};
    for (const auto& [name, svc] : services->map) {
      if (!svc.isMap()) continue;
      const ImageFacts* facts = factsFor(svc);
      has_health_[name] = hasHealthcheck(svc) || (facts && facts->healthcheck && !svc.get("healthcheck"));
    }
    for (const auto& [name, svc] : services->map) {
      if (svc.isMap()) checkService(name, svc);
    }
    return std::move(findings_);
  }

 private:
  // At a node's value, or (absent=true) at the service's key.
  void report(const char* rule_id, const Node& at, bool at_key, std::string message, const Node& service) {
    Location where = Location::inFile(at.file, at_key && at.key_line ? at.key_line : at.line,
                                      at_key && at.key_line ? at.key_column : at.column);
    where.anchor_line = service.file == at.file ? service.key_line : 0;
    findings_.push_back(makeFinding(rule_id, std::move(message), std::move(where)));
  }

  const ImageFacts* factsFor(const Node& svc) const {
    if (!images_) return nullptr;
    // A service that builds runs what it builds: its Dockerfile speaks for the image.
    if (const Node* build = svc.get("build")) {
      auto it = images_->find(buildFactsKey(*build));
      if (it != images_->end()) return &it->second;
    }
    const Node* image = svc.get("image");
    if (!image) return nullptr;
    auto it = images_->find(image->text());
    return it == images_->end() ? nullptr : &it->second;
  }

  static const Node* path(const Node& n, std::initializer_list<const char*> keys) {
    const Node* cur = &n;
    for (const char* k : keys) {
      if (!cur->isMap()) return nullptr;
      cur = cur->get(k);
      if (!cur) return nullptr;
    }
    return cur;
  }

  static bool hasHealthcheck(const Node& svc) {
    const Node* h = svc.get("healthcheck");
    if (!h || !h->isMap()) return false;
    if (const Node* d = h->get("disable"); d && d->truthy()) return false;
    if (const Node* t = h->get("test")) {
      if (t->isSeq() && !t->seq.empty() && t->seq[0].text() == "NONE") return false;
      if (t->isScalar() && t->text() == "NONE") return false;
    }
    return true;
  }

  void checkService(const std::string& name, const Node& svc) {
    const std::string who = "service " + name;
    // Resources.
    const Node* mem = path(svc, {"deploy", "resources", "limits", "memory"});
    if (!mem) mem = svc.get("mem_limit");
    if (!mem) report("SS101", svc, true, who + " has no memory limit", svc);
    const Node* cpu = path(svc, {"deploy", "resources", "limits", "cpus"});
    if (!cpu) cpu = svc.get("cpus");
    if (!cpu) cpu = svc.get("cpu_quota");
    if (!cpu) cpu = svc.get("cpuset");
    if (!cpu) report("SS102", svc, true, who + " has no CPU limit", svc);
    if (!svc.get("pids_limit") && !path(svc, {"deploy", "resources", "limits", "pids"})) {
      report("SS103", svc, true, who + " has no PIDs limit", svc);
    }
    const Node* reservation = path(svc, {"deploy", "resources", "reservations", "memory"});
    if (!reservation) reservation = svc.get("mem_reservation");
    if (mem && reservation) {
      auto limit = parseBytes(mem->text()), reserve = parseBytes(reservation->text());
      if (limit > 0 && reserve > limit) {
        report("SS105", *reservation, false,
               who + " reserves " + reservation->text() + " but is limited to " + mem->text(), svc);
      }
    }
    if (const Node* logging = svc.get("logging"); logging && logging->isMap()) {
      const Node* driver = logging->get("driver");
      std::string d = driver ? driver->text() : "json-file";
      if ((d == "json-file" || d.empty()) && !path(*logging, {"options", "max-size"})) {
        report("SS104", *logging, true, who + " logs with json-file without options.max-size", svc);
      }
    }
    // Restart.
    const Node* restart = svc.get("restart");
    const Node* deploy_restart = path(svc, {"deploy", "restart_policy", "condition"});
    if (!deploy_restart && (!restart || restart->text() == "no")) {
      if (restart) {
        report("SS204", *restart, false, who + " has restart: \"no\": it stays down after a crash or reboot", svc);
      } else {
        report("SS204", svc, true, who + " has no restart policy", svc);
      }
    }
    checkVolumes(name, svc);
    checkSecurity(name, svc);
    checkDeployment(name, svc);
    checkSecrets(name, svc);
  }

  void checkVolumes(const std::string& name, const Node& svc) {
    const std::string who = "service " + name;
    if (const Node* api = svc.get("use_api_socket"); api && api->truthy()) {
      report("SS407", *api, false, who + " is given the engine's API socket (use_api_socket: true)", svc);
    }
    std::vector<Mount> mounts;
    if (const Node* vols = svc.get("volumes"); vols && vols->isSeq()) {
      for (const auto& v : vols->seq) mounts.push_back(parseMount(v));
    }
    for (const auto& m : mounts) {
      if (m.unresolved) continue;  // reported as an unset variable, not guessed at
      if (m.type == "volume" && m.source.empty()) {
        report("SS301", *m.node, false,
               who + " mounts an anonymous volume at " + m.target + ": `down -v` or a recreate loses it", svc);
      }
      if (m.type != "bind") continue;
      if (isDockerSocket(m.source)) {
        report("SS407", *m.node, false, who + " mounts the Docker socket", svc);
        continue;
      }
      if (isSensitiveHostPath(m.source)) {
        report("SS410", *m.node, false,
               who + " bind-mounts host path " + m.source + (m.read_only ? " read-only" : " read-write"), svc);
        if (m.read_only) findings_.back().severity = Severity::kMedium;
      }
    }
    // Stateful images need their data path on a named volume or a bind mount.
    const Node* image = svc.get("image");
    if (!image) return;
    ImageRef ref = parseImageRef(image->text());
    std::string base = ref.name.substr(ref.name.rfind('/') == std::string::npos ? 0 : ref.name.rfind('/') + 1);
    auto covered_path = [&](const std::string& path) {
      return std::any_of(mounts.begin(), mounts.end(), [&](const Mount& m) {
        if (m.type == "tmpfs" || (m.type == "volume" && m.source.empty() && !m.unresolved)) return false;
        std::string target = m.target;
        while (target.size() > 1 && target.back() == '/') target.pop_back();
        return target == path || path.rfind(target + "/", 0) == 0;
      });
    };
    bool known_image = false;
    for (const auto& known : statefulImages()) known_image |= base == known.name;
    if (const ImageFacts* facts = factsFor(svc); !known_image && facts) {
      // Not in our list, but the local image says where its state lives.
      {
        for (const auto& path : facts->volumes) {
          if (!covered_path(path)) {
            report("SS302", *image, false,
                   who + " image " + image->text() + " declares VOLUME " + path +
                       " but the service mounts no named volume or bind mount there",
                   svc);
          }
        }
      }
    }
    for (const auto& known : statefulImages()) {
      if (base != known.name || known.paths.empty()) continue;
      bool covered = std::any_of(mounts.begin(), mounts.end(), [&](const Mount& m) {
        if (m.type == "tmpfs" || (m.type == "volume" && m.source.empty() && !m.unresolved)) return false;
        return std::any_of(known.paths.begin(), known.paths.end(), [&](const char* p) {
          std::string target = m.target;
          while (target.size() > 1 && target.back() == '/') target.pop_back();
          return target == p || std::string(p).rfind(target + "/", 0) == 0;
        });
      });
      if (!covered) {
        report("SS302", *image, false,
               who + " runs " + known.name + " without a named volume or bind mount on " + known.paths[0], svc);
      }
    }
  }

  void checkSecurity(const std::string& name, const Node& svc) {
    const std::string who = "service " + name;
    const Node* user = svc.get("user");
    const ImageFacts* facts = factsFor(svc);
    if (!user) {
      if (!facts || !facts->user_known) {
        report("SS401", svc, true, who + " sets no user: it runs as root unless its image sets a non-root USER", svc);
      } else if (facts->user.empty() || isRootUser(facts->user)) {
        report("SS401", svc, true, who + " sets no user and its image runs as root", svc);
      }
    } else {
      if (isRootUser(user->text())) report("SS401", *user, false, who + " runs as user " + user->text(), svc);
    }
    const Node* ro = svc.get("read_only");
    if (!ro || !ro->truthy()) {
      if (ro) {
        report("SS402", *ro, false, who + " has a writable root filesystem", svc);
      } else {
        report("SS402", svc, true, who + " has a writable root filesystem (no read_only: true)", svc);
      }
    }
    if (const Node* p = svc.get("privileged"); p && p->truthy()) report("SS403", *p, false, who + " is privileged", svc);
    bool nnp = false;
    if (const Node* opts = svc.get("security_opt"); opts && opts->isSeq()) {
      for (const auto& o : opts->seq) {
        const std::string& t = o.text();
        if (t == "seccomp:unconfined" || t == "seccomp=unconfined") report("SS404", o, false, who + " disables seccomp", svc);
        if (t == "apparmor:unconfined" || t == "apparmor=unconfined") report("SS404", o, false, who + " disables AppArmor", svc);
        if (t.rfind("no-new-privileges", 0) == 0 && t.find("false") == std::string::npos) nnp = true;
      }
    }
    if (!nnp) report("SS405", svc, true, who + " does not set no-new-privileges", svc);
    if (const Node* add = svc.get("cap_add"); add && add->isSeq()) {
      for (const auto& c : add->seq) {
        if (isDangerousCapability(c.text())) report("SS406", c, false, who + " adds capability " + c.text(), svc);
      }
    }
    const Node* drop = svc.get("cap_drop");
    bool privileged = svc.get("privileged") && svc.get("privileged")->truthy();
    if ((!drop || !drop->isSeq() || drop->seq.empty()) && !privileged) {
      report("SS406", svc, true, who + " drops no capabilities (add cap_drop: [ALL])", svc);
      findings_.back().severity = Severity::kLow;
    }
    for (const char* key : {"network_mode", "pid", "ipc"}) {
      if (const Node* n = svc.get(key); n && n->text() == "host") {
        report("SS408", *n, false, who + " shares the host " + std::string(key == std::string("network_mode") ? "network" : key) + " namespace", svc);
      }
    }
  }

  void checkDeployment(const std::string& name, const Node& svc) {
    const std::string who = "service " + name;
    if (const Node* image = svc.get("image")) {
      if (hasEmbeddedCredentials(image->text())) {
        report("SS604", *image, false, who + " image reference carries credentials " + redact(image->text()), svc);
      } else if (!image->text().empty() && !image->unresolved && !svc.get("build") &&
                 parseImageRef(image->text()).mutableTag()) {
        // (Beside `build:`, `image:` names the local build's tag, not something pulled.)
        ImageRef ref = parseImageRef(image->text());
        report("SS501", *image, false,
               who + " uses image " + image->text() + (ref.tag.empty() ? " without a tag" : ""), svc);
      }
    }
    const ImageFacts* facts = factsFor(svc);
    bool image_health = facts && facts->healthcheck && !svc.get("healthcheck");
    if (!has_health_[name] && !image_health) {
      const Node* h = svc.get("healthcheck");
      if (h) {
        report("SS502", *h, true, who + " disables its health check", svc);
      } else {
        report("SS502", svc, true,
               who + (facts ? " has no healthcheck, nor does its image" : " has no healthcheck (unless its image defines one)"),
               svc);
      }
    }
    if (const Node* update = path(svc, {"deploy", "update_config"}); update && update->isMap()) {
      const Node* action = update->get("failure_action");
      const Node* order = update->get("order");
      if (!action || action->text() != "rollback") {
        report("SS504", action ? *action : *update, !action,
               who + " update_config does not roll back on failure (failure_action: " +
                   (action ? action->text() : std::string("pause")) + ")", svc);
      }
      if (!order || order->text() != "start-first") {
        report("SS504", order ? *order : *update, !order,
               who + " update_config stops the old task first (order: " + (order ? order->text() : std::string("stop-first")) + ")",
               svc);
      }
    }
    if (const Node* deps = svc.get("depends_on")) {
      auto check = [&](const std::string& dep, const Node& at) {
        auto it = has_health_.find(dep);
        if (it != has_health_.end() && !it->second) {
          report("SS505", at, deps->isMap(), who + " depends on " + dep + ", which has no health check", svc);
        }
      };
      if (deps->isSeq()) {
        for (const auto& d : deps->seq) check(d.text(), d);
      } else if (deps->isMap()) {
        for (const auto& [dep, spec] : deps->map) check(dep, spec);
      }
    }
  }

  void checkKeyValues(const std::string& who, const Node* map, const char* what, const Node& svc, bool build_args) {
    if (!map || !map->isMap()) return;
    for (const auto& [key, value] : map->map) {
      bool literal = value.isScalar() && !value.scalar.empty() && !value.interpolated;
      if (build_args && isSecretName(key)) {
        report("SS604", value, true, who + " passes a credential as build argument " + key, svc);
      } else if (literal && isSecretAssignment(key, value.scalar)) {
        report("SS409", value, true, who + " " + what + " " + key + " holds a literal secret " + redact(value.scalar), svc);
      }
    }
  }

  void checkSecrets(const std::string& name, const Node& svc) {
    const std::string who = "service " + name;
    checkKeyValues(who, svc.get("environment"), "environment", svc, false);
    checkKeyValues(who, svc.get("labels"), "label", svc, false);
    checkKeyValues(who, path(svc, {"build", "args"}), "build arg", svc, true);
  }

  const Node& root_;
  const ImageFactsByRef* images_;
  std::map<std::string, bool> has_health_;
  std::vector<Finding> findings_;
};

}  // namespace

std::vector<Finding> checkCompose(const compose::Node& root, const ImageFactsByRef* images) {
  return ComposeChecker(root, images).run();
}

}  // namespace shipshape::rules
