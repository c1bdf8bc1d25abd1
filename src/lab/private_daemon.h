// PrivateDaemon: a second, throw-away dockerd for the lab's scenarios and the tests that kill, restart or damage
// a daemon.
// It gets its own data-root, exec-root, pidfile and socket under a temp directory, and runs in its own
// network namespace: a second dockerd in the host's namespace deletes the main daemon's docker0 bridge,
// even with --bridge=none. (`ip netns exec` is not used: it remounts /sys and dockerd then fails with
// "Devices cgroup isn't mounted"; we setns() into the namespace instead, as nsenter does.) Needs root,
// iproute2 and dockerd. dockerd gets the minimal command environment (common/process.h), not ours.
// Not thread-safe; one object per scenario or test.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"
#include "docker/endpoint.h"

namespace shipshape::lab {

class PrivateDaemon {
 public:
  // `extra_args` go on dockerd's command line, e.g. --authorization-plugin=NAME.
  // `private_plugins`: dockerd runs in a mount namespace of its own in which /run/docker/plugins is
  // pluginDir(), so the plugins a test serves there are this daemon's alone. The host's dockerd scans
  // /run/docker/plugins whenever it lists volume drivers and stalls for seconds on every dead socket it finds
  // there, so tests must not put sockets in the real one.
  explicit PrivateDaemon(std::vector<std::string> extra_args = {}, bool private_plugins = false);
  ~PrivateDaemon();  // stops the daemon and its containerd, removes the namespace and the directory
  PrivateDaemon(const PrivateDaemon&) = delete;
  PrivateDaemon& operator=(const PrivateDaemon&) = delete;

  // Starts dockerd and waits until /_ping answers.
  Result<void> start(std::chrono::milliseconds deadline = std::chrono::seconds(60));
  // SIGKILL, as a crash would (dockerd and the containerd it manages); waits for the process to be gone.
  void kill9();
  // SIGTERM and wait.
  void stop();

  docker::Endpoint endpoint() const;
  std::string host() const { return "unix://" + socket_; }
  const std::string& dataRoot() const { return data_root_; }
  // The daemon's /run/docker/plugins when constructed with private_plugins.
  std::string pluginDir() const { return dir_ + "/plugins"; }
  std::string logTail(int lines = 30) const;
  const std::string& logPath() const { return log_; }
  pid_t pid() const { return pid_; }

 private:
  void killContainerd();

  std::vector<std::string> extra_args_;
  bool private_plugins_ = false;
  std::string dir_, netns_, socket_, data_root_, exec_root_, log_;
  pid_t pid_ = -1;
  bool netns_created_ = false;
};

}  // namespace shipshape::lab
