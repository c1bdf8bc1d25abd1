// The process side of deploys: it hosts the proxy (inside `shipshape watch` or as `shipshape proxy`), answers
// the admin API, and owns everything that happens after a candidate passed its gate: the atomic switch, the
// bake (5xx ratio, slow answers and health of the new version watched every 50 ms, switch-back to the warm
// previous version on a breach), the drain and SIGTERM of the old version, the ledger's final outcome, the
// rollback incident, and the protection of known-good images.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"

namespace shipshape::store {
class IncidentStore;
class ReleaseStore;
}  // namespace shipshape::store

namespace shipshape::deploy {

struct ProxyHostOptions {
  std::string state_dir;
  std::string docker_host;  // -H / DOCKER_HOST; empty = default
  int threads = 0;          // proxy I/O threads; 0 = one per core
};

class ProxyHost {
 public:
  // Starts the proxy and the admin socket, and restores every recorded service's listener and upstream.
  static Result<std::unique_ptr<ProxyHost>> start(ProxyHostOptions options, store::ReleaseStore& releases,
                                                 store::IncidentStore& incidents);
  ~ProxyHost();  // ends bakes (their outcome stays as it was), closes listeners
  ProxyHost(const ProxyHost&) = delete;
  ProxyHost& operator=(const ProxyHost&) = delete;

  // Per-upstream counters for /metrics.
  std::string metrics() const;
  std::string adminSocket() const;

 private:
  struct Impl;
  explicit ProxyHost(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace shipshape::deploy
