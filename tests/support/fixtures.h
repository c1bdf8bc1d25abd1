// Test inputs kept in tests/fixtures, and real local sockets for transport failure tests.
#pragma once

#include <string>

namespace shipshape::testing {

// The contents of tests/fixtures/<relative>; fails the current test when the file is missing.
std::string readFixture(const std::string& relative);

// Binds a unix socket at `path` (removing a stale one); listens (accepting into the backlog, never
// answering: a hung daemon) only when asked. Returns the fd; the caller closes it and unlinks the path.
int bindUnixSocket(const std::string& path, bool listen);

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
unsigned short freeLoopbackPort();

}  // namespace shipshape::testing
