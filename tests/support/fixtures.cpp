#include "support/fixtures.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace shipshape::testing {

std::string readFixture(const std::string& relative) {
  std::ifstream in(std::string(SHIPSHAPE_FIXTURES_DIR) + "/" + relative);
  EXPECT_TRUE(in.good()) << "missing fixture " << relative;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int bindUnixSocket(const std::string& path, bool listen) {
  ::unlink(path.c_str());
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << path;
  if (listen) {
    EXPECT_EQ(::listen(fd, 4), 0);
  }
  return fd;
}

}  // namespace shipshape::testing
