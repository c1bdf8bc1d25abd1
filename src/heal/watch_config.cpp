#include "heal/watch_config.h"

#include "compose/project.h"

namespace shipshape::heal {
namespace {

using compose::Node;

std::string at(const Node& n) { return compose::positionOf(n); }

// "300s", "5m", "1h" or a plain number of seconds.
Result<double> seconds(const Node& n) {
  const std::string& t = n.text();
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  std::string unit(end);
  double factor = unit.empty() || unit == "s" ? 1 : unit == "ms" ? 0.001 : unit == "m" ? 60 : unit == "h" ? 3600 : -1;
  if (t.empty() || end == t.c_str() || factor < 0 || v < 0) {
    return fail(ErrorCode::kInvalidArgument, at(n) + ": expected a duration like 30s, 5m or 1h, not '" + t + "'");
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
  return c;
}

}  // namespace shipshape::heal
