// What a running scenario holds: the engine, the run's names and labels, the clock, the stop flag, and the
// workload helpers (the lab's containers are shipshape's own `testapp` image: an HTTP server with a key-value
// store under its declared VOLUME, a health check, and knobs to fail).
#pragma once

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "common/result.h"
#include "docker/client.h"
#include "lab/lab.h"

namespace shipshape::lab {

std::int64_t nowMs();

class LabContext {
 public:
  LabContext(docker::Client& client, const LabOptions& options, std::string run_id, std::string work_dir);

  docker::Client& client() { return client_; }
  const std::string& runId() const { return run_id_; }
  const std::string& workDir() const { return work_dir_; }
  const LabOptions& options() const { return options_; }
  // "shipshape-lab-<run>-<suffix>"
  std::string name(std::string_view suffix) const;
  docker::Labels labels() const;
  void say(const std::string& line) const;
  bool stopping() const;
  // A volume without the lab's label (anonymous ones, or made by a component) that must go at the end.
  void trackVolume(const std::string& name) { volumes_.insert(name); }
  const std::set<std::string>& trackedVolumes() const { return volumes_; }
  // An image the scenario made, removed at the end.
  void trackImage(const std::string& reference) { images_.insert(reference); }
  const std::set<std::string>& trackedImages() const { return images_; }

  // The workload: created with the lab's labels and started; fails with the engine's message.
  docker::ContainerSpec workloadSpec() const;
  Result<std::string> startWorkload(const std::string& name, const docker::ContainerSpec& spec);
  // http://<its bridge address>:8080 once /health answers 200 (within `deadline`).
  Result<std::string> waitServing(const std::string& container, std::chrono::milliseconds deadline);

 private:
  docker::Client& client_;
  const LabOptions& options_;
  std::string run_id_, work_dir_;
  std::set<std::string> volumes_, images_;
};

// A loopback port nothing listens on now, for a listener of the lab's that binds it a moment later.
Result<int> freeLoopbackPort();

// Plain HTTP to a workload (libcurl); status 0 when nothing answered.
struct HttpAnswer {
  int status = 0;
  std::string body;
};
HttpAnswer httpCall(const std::string& method, const std::string& url, const std::string& body = "",
                    std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace shipshape::lab
