// Follows a log file as `tail -F` does: reads what was appended since the last poll, survives rotation
// (a new inode, or the file shrinking) and the file not existing yet. Not thread-safe; poll from one thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <sys/types.h>

#include "daemonwatch/log_source.h"

namespace shipshape::daemonwatch {

class LogFollower : public LogSource {
 public:
  // Starts at the end of the file; `backlog_bytes` of what is already there are read first (to diagnose the
  // state the daemon is in when we start).
  LogFollower(std::string path, std::size_t backlog_bytes = 65536);
  // Complete lines appended since the last poll.
  std::vector<std::string> poll() override;
  std::string describe() const override { return path_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::size_t backlog_;
  ino_t inode_ = 0;
  off_t offset_ = -1;  // -1: not opened yet
  std::string partial_;
};

}  // namespace shipshape::daemonwatch
