// Where the daemon's log lines come from: a file followed like `tail -F` (LogFollower), or the systemd
// journal (JournalFollower, for dockerd running as docker.service). `--daemon-log` names one:
//   /var/log/docker.log             a file
//   journald                        the journal, unit docker.service
//   journald:UNIT                   the journal, another unit
//   journald:UNIT@/var/log/journal  the journal files in a directory (e.g. the host's, mounted in a container)
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace shipshape::daemonwatch {

class LogSource {
 public:
  virtual ~LogSource() = default;
  // Complete lines that arrived since the last poll (never blocks).
  virtual std::vector<std::string> poll() = 0;
  // For incidents and logs: the file's path, or "journald:docker.service".
  virtual std::string describe() const = 0;
};

Result<std::unique_ptr<LogSource>> openLogSource(const std::string& spec);

}  // namespace shipshape::daemonwatch
