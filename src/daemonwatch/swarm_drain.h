// In a Swarm, a host whose engine is down or broken should get no new tasks: its node is set to `drain`
// through a manager while the outage lasts, and given back its previous availability when it is over. When
// the local daemon is itself the manager it can only do that while it still answers (a broken, not dead,
// daemon); for a dead one the other managers are asked (`swarm.managers` in the config), in order.
// Each step becomes an action of the outage's incident. Single-threaded.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "docker/client.h"
#include "store/incident.h"

namespace shipshape::daemonwatch {

struct SwarmDrainOptions {
  std::string node;                   // node ID; empty: this daemon's own (its /info)
  std::vector<std::string> managers;  // endpoints like tcp://10.0.0.2:2376 or unix:///...; empty: the local daemon
};

class SwarmDrain {
 public:
  SwarmDrain(docker::Client& local, SwarmDrainOptions options);
  ~SwarmDrain();

  // Learns this daemon's node ID from /info (call while it answers: at start-up, after an outage).
  // False when there is no node to drain (not in a swarm and none configured).
  bool learn();
  const std::string& node() const { return node_; }

  // Sets the node to drain (remembering its availability); then back. Each returns the incident's action.
  store::Action drain();
  store::Action undrain();

 private:
  // Runs `f` against the managers in order until one answers; returns its description or the last error.
  Result<std::string> throughManagers(const std::function<Result<std::string>(docker::Client&, const std::string&)>& f);

  docker::Client& local_;
  SwarmDrainOptions options_;
  std::vector<std::unique_ptr<docker::Client>> managers_;
  std::string node_;
  std::string previous_;  // availability before we drained; empty: we did not
};

}  // namespace shipshape::daemonwatch
