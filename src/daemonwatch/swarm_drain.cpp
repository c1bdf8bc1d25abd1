#include "daemonwatch/swarm_drain.h"

#include "common/format.h"
#include "common/log.h"

namespace shipshape::daemonwatch {

SwarmDrain::SwarmDrain(docker::Client& local, SwarmDrainOptions options)
    : local_(local), options_(std::move(options)), node_(options_.node) {
  for (const auto& host : options_.managers) {
    // Managers are asked during an outage: answer fast or move on to the next.
    auto client = docker::Client::fromEnvironment(
        host, {.transport = {.connect_timeout = std::chrono::seconds(2), .request_timeout = std::chrono::seconds(5)}});
    if (client) {
      managers_.push_back(std::move(*client));
    } else {
      SHIPSHAPE_LOG(heal, error, "[swarm] manager {}: {}", host, client.error().describe());
    }
  }
}

SwarmDrain::~SwarmDrain() = default;

bool SwarmDrain::learn() {
  if (!options_.node.empty()) return true;
  auto info = local_.info();
  if (info && info->swarm_local_node_state == "active" && !info->swarm_node_id.empty()) node_ = info->swarm_node_id;
  return !node_.empty();
}

Result<std::string> SwarmDrain::throughManagers(
    const std::function<Result<std::string>(docker::Client&, const std::string&)>& f) {
  Error last{ErrorCode::kUnreachable, "no manager answered"};
  if (managers_.empty()) {
    auto r = f(local_, local_.endpoint().display());
    if (r) return r;
    return fail(r.error().wrap("the local daemon is the only manager configured (swarm.managers)"));
  }
  for (std::size_t i = 0; i < managers_.size(); ++i) {
    auto r = f(*managers_[i], options_.managers[i]);
    if (r) return r;
    last = r.error();
  }
  return fail(last);
}

store::Action SwarmDrain::drain() {
  std::int64_t started = nowMs();
  store::Action a{.at_ms = started, .kind = "swarm-drain"};
  if (node_.empty()) {
    a.description = "set this node to drain";
    a.outcome = "no swarm node known (not in a swarm at start-up, and swarm.node is not set)";
    return a;
  }
  auto done = throughManagers([&](docker::Client& m, const std::string& where) -> Result<std::string> {
    auto current = m.nodeAvailability(node_);
    if (!current) return fail(current.error());
    if (*current == "drain") return "node " + shortId(node_) + " was already drained (left as is) via " + where;
    auto set = m.setNodeAvailability(node_, "drain");
    if (!set) return fail(set.error());
    previous_ = *current;
    return "node " + shortId(node_) + " set from " + *current + " to drain via " + where;
  });
  a.duration_ms = nowMs() - started;
  a.description = done ? *done : "set node " + shortId(node_) + " to drain";
  a.outcome = done ? "ok" : done.error().describe();
  SHIPSHAPE_LOG(heal, warn, "[swarm] {}: {}", a.description, a.outcome);
  return a;
}

store::Action SwarmDrain::undrain() {
  std::int64_t started = nowMs();
  store::Action a{.at_ms = started, .kind = "swarm-undrain"};
  if (previous_.empty()) {
    a.description = "give the node its availability back";
    a.outcome = node_.empty() ? "no swarm node known" : "not drained by shipshape: left as is";
    return a;
  }
  auto done = throughManagers([&](docker::Client& m, const std::string& where) -> Result<std::string> {
    auto set = m.setNodeAvailability(node_, previous_);
    if (!set) return fail(set.error());
    return "node " + shortId(node_) + " set back to " + previous_ + " via " + where;
  });
  a.duration_ms = nowMs() - started;
  a.description = done ? *done : "set node " + shortId(node_) + " back to " + previous_;
  a.outcome = done ? "ok" : done.error().describe();
  if (done) previous_.clear();
  SHIPSHAPE_LOG(heal, warn, "[swarm] {}: {}", a.description, a.outcome);
  return a;
}

}  // namespace shipshape::daemonwatch
