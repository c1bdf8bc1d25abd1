// The guardian's registry check: every `every`, each configured registry gets `checkRegistry`'s verdict. A
// credential that is missing, rejected, hidden by a failing helper or expiring within `expiry_window` opens a
// `registry-auth` incident (STAR report, webhook) — a day before the CI push would have been denied — and the
// next `ok` resolves it. The checks run on a worker thread of this object's own: a hung helper or registry
// must not hold up the watch loop.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "registry/check.h"
#include "store/incident_store.h"

namespace shipshape::registry {

struct RegistryWatchOptions {
  bool enabled = true;
  std::chrono::milliseconds every{15 * 60 * 1000};
  std::chrono::seconds expiry_window{24 * 3600};
  std::vector<std::string> registries;  // empty: every registry in the docker config
  std::vector<std::string> insecure;
  std::string docker_config_dir;  // empty: $DOCKER_CONFIG or ~/.docker of the guardian's user
  std::chrono::milliseconds timeout{10000};
};

class RegistryWatch {
 public:
  using Clock = std::function<std::int64_t()>;  // ms since the epoch
  RegistryWatch(store::IncidentStore& store, RegistryWatchOptions options, Clock clock);
  ~RegistryWatch();  // wakes and joins the worker (a check in flight ends within its timeout)
  RegistryWatch(const RegistryWatch&) = delete;
  RegistryWatch& operator=(const RegistryWatch&) = delete;

  // shipshape_registry_up{registry} (1 = ok), shipshape_registry_credential_expiry_seconds{registry} (when
  // the credential's expiry is known), shipshape_registry_check_duration_seconds{registry}.
  std::string metrics() const;
  std::vector<Verdict> verdicts() const;

 private:
  void work();
  void round();
  void record(const Verdict& verdict);

  store::IncidentStore& store_;
  RegistryWatchOptions options_;
  Clock clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Verdict> verdicts_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::thread worker_;                       // last: started after everything it uses, joined first
};

// The verdicts that are a credential problem (an incident), as opposed to the registry being down.
bool isCredentialProblem(Status status);

}  // namespace shipshape::registry
