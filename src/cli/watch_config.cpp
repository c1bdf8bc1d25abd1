#include "cli/watch_config.h"

#include "common/format.h"
#include "compose/project.h"
#include "notify/webhook.h"
#include "volumes/archive_writer.h"

namespace shipshape::cli {
namespace {

using compose::Node;

std::string at(const Node& n) { return compose::positionOf(n); }

// "300s", "5m", "1h" or a plain number of seconds.
Result<double> seconds(const Node& n) {
  const std::string& t = n.text();
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  std::string unit(end);
  double factor = unit.empty() || unit == "s" ? 1
                  : unit == "ms"              ? 0.001
                  : unit == "m"               ? 60
                  : unit == "h"               ? 3600
                  : unit == "d"               ? 86400
                                              : -1;
  if (t.empty() || end == t.c_str() || factor < 0 || v < 0) {
    return fail(ErrorCode::kInvalidArgument, at(n) + ": expected a duration like 30s, 5m, 1h or 7d, not '" + t + "'");
  }
  return v * factor;
}

Result<std::vector<std::vector<std::string>>> argvList(const Node& n) {
  std::vector<std::vector<std::string>> out;
  if (!n.isSeq()) return fail(ErrorCode::kInvalidArgument, at(n) + ": expected a list of argv lists");
  for (const auto& item : n.seq) {
    std::vector<std::string> argv;
    if (!item.isSeq() || item.seq.empty()) {
      return fail(ErrorCode::kInvalidArgument,
                  at(item) + ": each hook is an argv list like [\"/usr/local/bin/lb\", \"drain\"] (no shell)");
    }
    for (const auto& a : item.seq) argv.push_back(a.text());
    if (argv[0].empty() || argv[0][0] != '/') {
      return fail(ErrorCode::kInvalidArgument, at(item) + ": a hook's program must be an absolute path");
    }
    out.push_back(std::move(argv));
  }
  return out;
}

// "90%" or 0.9.
Result<double> ratio(const Node& n) {
  const std::string& t = n.text();
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  bool percent = std::string(end) == "%";
  if (percent) v /= 100;
  if (t.empty() || end == t.c_str() || (*end != '\0' && !percent) || v <= 0 || v > 1) {
    return fail(ErrorCode::kInvalidArgument, at(n) + ": expected a share like 90% or 0.9, not '" + t + "'");
  }
  return v;
}

Result<double> positive(const Node& n) {
  const std::string& t = n.text();
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (t.empty() || *end != '\0' || !(v > 0)) {
    return fail(ErrorCode::kInvalidArgument, at(n) + ": expected a positive number, not '" + t + "'");
  }
  return v;
}

// Reads map[key] with `parse` into `out` when present.
template <typename T, typename F>
Result<void> optional(const Node& map, const char* key, F parse, std::optional<T>* out) {
  const Node* n = map.get(key);
  if (!n) return {};
  auto v = parse(*n);
  if (!v) return fail(v.error());
  *out = static_cast<T>(*v);
  return {};
}

Result<void> readResources(const Node& r, WatchConfig& c) {
  if (!r.isMap()) return fail(ErrorCode::kInvalidArgument, at(r) + ": resources must be a mapping");
  if (auto ok = optional(r, "interval", seconds, &c.interval_s); !ok) return ok;
  if (auto ok = optional(r, "window", seconds, &c.window_s); !ok) return ok;
  if (auto ok = optional(r, "host_cpu", ratio, &c.host_cpu); !ok) return ok;
  if (auto ok = optional(r, "host_memory", ratio, &c.host_memory); !ok) return ok;
  if (auto ok = optional(r, "throttle", ratio, &c.throttle); !ok) return ok;
  if (const Node* p = r.get("policy")) {
    if (p->text() != "alert" && p->text() != "enforce") {
      return fail(ErrorCode::kInvalidArgument, at(*p) + ": policy must be alert or enforce, not '" + p->text() + "'");
    }
    c.policy = p->text();
  }
  if (const Node* l = r.get("limits")) {
    if (!l->isMap()) return fail(ErrorCode::kInvalidArgument, at(*l) + ": limits must be a mapping");
    if (auto ok = optional(*l, "cpus", positive, &c.limit_cpus); !ok) return ok;
    if (auto ok = optional(*l, "percentile", positive, &c.limit_percentile); !ok) return ok;
    if (auto ok = optional(*l, "headroom", positive, &c.limit_headroom); !ok) return ok;
    if (auto ok = optional(*l, "max_host_share", ratio, &c.limit_max_host_share); !ok) return ok;
    if (const Node* m = l->get("memory")) {
      std::int64_t bytes = parseBytes(m->text());
      if (bytes <= 0)
        return fail(ErrorCode::kInvalidArgument, at(*m) + ": expected a size like 512m or 2g, not '" + m->text() + "'");
      c.limit_memory = static_cast<std::uint64_t>(bytes);
    }
    if (c.limit_percentile && *c.limit_percentile > 100) {
      return fail(ErrorCode::kInvalidArgument, at(*l->get("percentile")) + ": a percentile is at most 100");
    }
  }
  return {};
}

Result<void> readAlerts(const Node& a, WatchConfig& c) {
  if (!a.isMap()) return fail(ErrorCode::kInvalidArgument, at(a) + ": alerts must be a mapping");
  if (const Node* w = a.get("webhook")) {
    if (auto ok = notify::checkWebhookUrl(w->text()); !ok) {
      return fail(ErrorCode::kInvalidArgument, at(*w) + ": " + ok.error().message);
    }
    c.webhook = w->text();
  }
  if (auto ok = optional(a, "dedupe", seconds, &c.webhook_dedupe_s); !ok) return ok;
  if (auto ok = optional(a, "max_per_minute", positive, &c.webhook_max_per_minute); !ok) return ok;
  return {};
}

Result<void> readBackups(const Node& b, WatchConfig& c) {
  if (!b.isMap()) return fail(ErrorCode::kInvalidArgument, at(b) + ": backups must be a mapping");
  if (const Node* d = b.get("dir")) {
    if (d->text().empty() || d->text()[0] != '/') {
      return fail(ErrorCode::kInvalidArgument, at(*d) + ": the backup directory must be an absolute path");
    }
    c.backup_dir = d->text();
  }
  if (const Node* z = b.get("compress")) {
    if (auto ok = volumes::parseCompression(z->text()); !ok) {
      return fail(ErrorCode::kInvalidArgument, at(*z) + ": " + ok.error().message);
    }
    c.backup_compress = z->text();
  }
  if (auto ok = optional(b, "rescan", seconds, &c.backup_rescan_s); !ok) return ok;
  if (auto ok = optional(b, "retry", seconds, &c.backup_retry_s); !ok) return ok;
  if (auto ok = optional(b, "restore_test_every", seconds, &c.restore_test_every_s); !ok) return ok;
  return {};
}

Result<void> stringList(const Node& parent, const char* key, std::vector<std::string>* out) {
  const Node* n = parent.get(key);
  if (!n) return {};
  if (!n->isSeq()) return fail(ErrorCode::kInvalidArgument, at(*n) + ": " + key + " must be a list");
  for (const auto& e : n->seq) out->push_back(e.text());
  return {};
}

Result<void> readRegistries(const Node& r, WatchConfig& c) {
  if (!r.isMap()) return fail(ErrorCode::kInvalidArgument, at(r) + ": registries must be a mapping");
  if (const Node* e = r.get("enabled")) {
    if (e->text() != "true" && e->text() != "false") {
      return fail(ErrorCode::kInvalidArgument, at(*e) + ": enabled is true or false, not '" + e->text() + "'");
    }
    c.registries_enabled = e->text() == "true";
  }
  if (auto ok = optional(r, "every", seconds, &c.registries_every_s); !ok) return ok;
  if (auto ok = optional(r, "expiry_window", seconds, &c.registries_expiry_window_s); !ok) return ok;
  if (auto ok = stringList(r, "check", &c.registries_check); !ok) return ok;
  if (auto ok = stringList(r, "insecure", &c.registries_insecure); !ok) return ok;
  if (const Node* d = r.get("docker_config")) {
    if (d->text().empty() || d->text()[0] != '/') {
      return fail(ErrorCode::kInvalidArgument, at(*d) + ": docker_config must be an absolute directory");
    }
    c.registries_docker_config = d->text();
  }
  return {};
}

}  // namespace

Result<WatchConfig> loadWatchConfig(const std::string& path) {
  auto root = compose::readYamlFile(path);
  if (!root) return fail(root.error());
  WatchConfig c;
  if (root->kind == Node::Kind::kNull) return c;
  if (!root->isMap()) return fail(ErrorCode::kInvalidArgument, at(*root) + ": expected a mapping");
  if (const Node* a = root->get("autoheal")) c.autoheal = a->text();
  if (const Node* cl = root->get("crash_loop"); cl && cl->isMap()) {
    if (const Node* d = cl->get("deaths")) c.crash_loop_deaths = std::atoi(d->text().c_str());
    if (const Node* w = cl->get("window")) {
      auto s = seconds(*w);
      if (!s) return fail(s.error());
      c.crash_loop_window_s = *s;
    }
    if (const Node* q = cl->get("quiet")) {
      auto s = seconds(*q);
      if (!s) return fail(s.error());
      c.crash_loop_quiet_s = *s;
    }
  }
  if (const Node* hooks = root->get("hooks"); hooks && hooks->isMap()) {
    if (const Node* d = hooks->get("drain")) {
      auto list = argvList(*d);
      if (!list) return fail(list.error());
      c.drain_hooks = *list;
    }
    if (const Node* u = hooks->get("undrain")) {
      auto list = argvList(*u);
      if (!list) return fail(list.error());
      c.undrain_hooks = *list;
    }
    if (const Node* t = hooks->get("timeout")) {
      auto s = seconds(*t);
      if (!s) return fail(s.error());
      c.hook_timeout_s = *s;
    }
  }
  if (const Node* l = root->get("listen")) c.listen = l->text();
  if (const Node* r = root->get("resources")) {
    if (auto ok = readResources(*r, c); !ok) return fail(ok.error());
  }
  if (const Node* s = root->get("swarm")) {
    if (!s->isMap()) return fail(ErrorCode::kInvalidArgument, at(*s) + ": swarm must be a mapping");
    c.swarm_configured = true;
    if (const Node* n = s->get("node")) c.swarm_node = n->text();
    if (const Node* m = s->get("managers")) {
      if (!m->isSeq()) return fail(ErrorCode::kInvalidArgument, at(*m) + ": managers must be a list of endpoints");
      for (const auto& e : m->seq) c.swarm_managers.push_back(e.text());
    }
  }
  if (const Node* a = root->get("alerts")) {
    if (auto ok = readAlerts(*a, c); !ok) return fail(ok.error());
  }
  if (const Node* b = root->get("backups")) {
    if (auto ok = readBackups(*b, c); !ok) return fail(ok.error());
  }
  if (const Node* r = root->get("registries")) {
    if (auto ok = readRegistries(*r, c); !ok) return fail(ok.error());
  }
  return c;
}

}  // namespace shipshape::cli
