// Test inputs kept in tests/fixtures, and real local sockets for transport failure tests.
#pragma once

#include <string>

namespace shipshape::testing {

// The contents of tests/fixtures/<relative>; fails the current test when the file is missing.
std::string readFixture(const std::string& relative);

// A whole file's contents ("" when it cannot be read): for files a test's subject wrote.
std::string readText(const std::string& path);

// Binds a unix socket at `path` (removing a stale one); listens (accepting into the backlog, never
// answering: a hung daemon) only when asked. Returns the fd; the caller closes it and unlinks the path.
int bindUnixSocket(const std::string& path, bool listen);

// A TCP port on 127.0.0.1 that was free a moment ago, chosen below the kernel's ephemeral range so that no
// outgoing connection takes it before the server that needs it binds it. Prefer binding port 0 in the server
// and reading the port back where the server can say which port it got.
unsigned short freeLoopbackPort();

// A loopback port that is bound (not listening) for the object's lifetime: nothing else can take it and every
// connection to it is refused at once. For "an upstream that is down".
class ReservedPort {
 public:
  ReservedPort();
  ~ReservedPort();
  ReservedPort(const ReservedPort&) = delete;
  ReservedPort& operator=(const ReservedPort&) = delete;
  unsigned short port() const { return port_; }

 private:
  int fd_ = -1;
  unsigned short port_ = 0;
};

}  // namespace shipshape::testing
