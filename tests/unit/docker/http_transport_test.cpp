// Transport failures on real sockets: a missing socket, a socket nobody listens on, and a listener that
// never answers. Each must come back quickly as a typed error naming the socket.
#include "docker/http_transport.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "support/fixtures.h"

namespace shipshape::docker {
namespace {

std::string tempSocketPath(const char* tag) {
  return "/tmp/ss-transport-" + std::to_string(::getpid()) + "-" + tag + ".sock";
}

Endpoint unixEndpoint(const std::string& path) {
  Endpoint e;
  e.socket_path = path;
  return e;
}

TEST(HttpTransport, MissingSocketIsUnreachableWithErrno) {
  HttpTransport t(unixEndpoint("/tmp/ss-no-such-dir/docker.sock"), {});
  auto r = t.send({.target = "/_ping"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnreachable);
  EXPECT_NE(r.error().message.find("unix:///tmp/ss-no-such-dir/docker.sock"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("errno 2"), std::string::npos) << r.error().message;
}

TEST(HttpTransport, SocketWithoutListenerIsConnectionRefused) {
  std::string path = tempSocketPath("refused");
  int fd = testing::bindUnixSocket(path, /*listen=*/false);
  HttpTransport t(unixEndpoint(path), {});
  auto r = t.send({.target = "/_ping"});
  ::close(fd);
  ::unlink(path.c_str());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnreachable);
  EXPECT_NE(r.error().message.find("errno 111"), std::string::npos) << r.error().message;
}

TEST(HttpTransport, SilentListenerTimesOutWithinTheBound) {
  std::string path = tempSocketPath("silent");
  int fd = testing::bindUnixSocket(path, /*listen=*/true);  // accepts (in the backlog) but never answers
  HttpTransport t(unixEndpoint(path), {.connect_timeout = std::chrono::milliseconds(300),
                                       .request_timeout = std::chrono::milliseconds(400)});
  auto start = std::chrono::steady_clock::now();
  auto r = t.send({.target = "/_ping"});
  auto elapsed = std::chrono::steady_clock::now() - start;
  ::close(fd);
  ::unlink(path.c_str());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTimeout);
  EXPECT_NE(r.error().message.find(path), std::string::npos) << r.error().message;
  EXPECT_LT(elapsed, std::chrono::seconds(3));
}

TEST(HttpTransport, CancelledStreamStopsPromptly) {
  std::string path = tempSocketPath("stream");
  int fd = testing::bindUnixSocket(path, /*listen=*/true);
  std::atomic<bool> cancel{true};
  HttpTransport t(unixEndpoint(path), {});
  auto start = std::chrono::steady_clock::now();
  auto r = t.stream({.target = "/events", .timeout = std::chrono::milliseconds(-1)}, {},
                    [](std::string_view) { return true; }, &cancel);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ::close(fd);
  ::unlink(path.c_str());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kCancelled);
  EXPECT_LT(elapsed, std::chrono::seconds(3));
}

}  // namespace
}  // namespace shipshape::docker
