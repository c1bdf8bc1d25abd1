#include "daemonwatch/log_follower.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace shipshape::daemonwatch {

LogFollower::LogFollower(std::string path, std::size_t backlog_bytes)
    : path_(std::move(path)), backlog_(backlog_bytes) {}

std::vector<std::string> LogFollower::poll() {
  std::vector<std::string> lines;
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) return lines;
  bool cut_into_a_line = false;
  if (offset_ < 0) {
    offset_ = st.st_size > static_cast<off_t>(backlog_) ? st.st_size - static_cast<off_t>(backlog_) : 0;
    cut_into_a_line = offset_ > 0;
    inode_ = st.st_ino;
  } else if (st.st_ino != inode_ || st.st_size < offset_) {
    offset_ = 0;  // rotated or truncated: the new file from its start
    inode_ = st.st_ino;
    partial_.clear();
  }
  if (st.st_size == offset_) return lines;
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return lines;
  char buf[65536];
  ssize_t n;
  while ((n = ::pread(fd, buf, sizeof buf, offset_)) > 0) {
    offset_ += n;
    partial_.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (cut_into_a_line) {
    // The backlog began mid-line: that fragment is not a line.
    auto nl = partial_.find('\n');
    partial_.erase(0, nl == std::string::npos ? partial_.size() : nl + 1);
  }
  std::size_t start = 0;
  for (std::size_t nl; (nl = partial_.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.emplace_back(partial_, start, nl - start);
  }
  partial_.erase(0, start);
  if (partial_.size() > 1 << 20) partial_.clear();  // a runaway line without newline: drop it
  return lines;
}

}  // namespace shipshape::daemonwatch
