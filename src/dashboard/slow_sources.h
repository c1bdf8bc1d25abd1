// What the dashboard shows but cannot read on the HTTP thread: the live audit (a walk over every container,
// image and volume through the Engine API) and the backup catalog (every manifest on disk). A worker of this
// object's own refreshes both every `every` and on request, with its own engine connection; the HTTP
// thread only copies the last rendered JSON.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "docker/client.h"
#include "docker/endpoint.h"

namespace shipshape::dashboard {

struct SlowSourcesOptions {
  docker::Endpoint endpoint;
  std::string backup_dir;
  std::chrono::milliseconds every{60000};
};

class SlowSources {
 public:
  using Clock = std::function<std::int64_t()>;  // ms since the epoch
  SlowSources(SlowSourcesOptions options, Clock clock);
  ~SlowSources();  // wakes and joins the worker (a refresh in flight ends within the engine's timeouts)
  SlowSources(const SlowSources&) = delete;
  SlowSources& operator=(const SlowSources&) = delete;

  std::string findingsJson() const;  // dashboard::findingsApi
  std::string backupsJson() const;   // dashboard::backupsApi
  // Ask for a refresh now (at most one a second: a page reload storm costs one audit).
  void refreshSoon();

 private:
  void work();
  void refresh();

  SlowSourcesOptions options_;
  Clock clock_;
  docker::Client client_;  // the worker's alone (the API version is negotiated once)
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string findings_, backups_;    // guarded by mu_
  bool wanted_ = true;                // guarded by mu_
  bool stopping_ = false;             // guarded by mu_
  std::int64_t last_refresh_ms_ = 0;  // guarded by mu_
  std::thread worker_;                // last: started after everything it uses, joined first
};

}  // namespace shipshape::dashboard
