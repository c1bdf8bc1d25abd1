// Making a copy of a live volume consistent. `auto` chooses per volume: a container that says how (label
// `shipshape.backup.hook`, an argv as a JSON array) or runs a known database gets that dump/flush as an exec
// before the copy; any other running container that mounts the volume read-write is paused (the cgroup
// freezer: no signal, no restart) for the copy; `stop` stops and restarts them instead; `none` copies live.
// What was paused or stopped is undone by end() or, whatever happened, by the destructor.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "docker/client.h"

namespace shipshape::volumes {

enum class ConsistencyMode { kAuto, kStop, kHook, kNone };
Result<ConsistencyMode> parseConsistency(std::string_view name);

struct VolumeUser {
  std::string id, name, image;
  bool running = false;
  bool paused = false;
  bool read_write = false;
  std::string destination;  // where it mounts the volume
  std::map<std::string, std::string> labels;
};

// Every container (running or not) that mounts `volume`.
Result<std::vector<VolumeUser>> volumeUsers(docker::Client& client, const std::string& volume);

// The hook for a container: its label, else its known database's default; nullopt when none.
std::optional<std::vector<std::string>> backupHook(const VolumeUser& user);

class Consistency {
 public:
  Consistency(docker::Client& client, ConsistencyMode mode, std::vector<VolumeUser> users)
      : client_(client), mode_(mode), users_(std::move(users)) {}
  ~Consistency();
  Consistency(const Consistency&) = delete;
  Consistency& operator=(const Consistency&) = delete;

  // Runs hooks, or pauses/stops the writers. On failure, whatever it already did is undone.
  Result<void> begin();
  // Unpauses/restarts; the first failure is returned, but every container is tried.
  Result<void> end();

  // "pause", "stop", "hook" or "none" (what was actually done).
  const std::string& method() const { return method_; }
  std::int64_t pausedMs() const { return paused_ms_; }
  const std::string& hookOutput() const { return hook_output_; }

 private:
  docker::Client& client_;
  ConsistencyMode mode_;
  std::vector<VolumeUser> users_;
  std::vector<std::string> paused_, stopped_;
  std::string method_ = "none";
  std::string hook_output_;
  std::chrono::steady_clock::time_point frozen_at_{};
  std::int64_t paused_ms_ = 0;
};

}  // namespace shipshape::volumes
