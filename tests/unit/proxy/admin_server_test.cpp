// The admin server owns its connection threads: a client that connects and never sends a request must not
// keep the destructor waiting (nor be left running on freed state), and errors are always valid JSON.
#include "proxy/admin_server.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/scoped.h"

namespace shipshape::proxy {
namespace {

using namespace std::chrono_literals;

int connectUnix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string exchange(const std::string& path, const std::string& request) {
  int fd = connectUnix(path);
  if (fd < 0) return "";
  (void)!::write(fd, request.data(), request.size());
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

TEST(AdminServer, ASilentClientDoesNotHoldTheDestructor) {
  testing::ScopedTempDir dir("admin");
  auto server = AdminServer::start(dir / "proxy.sock", [](auto&, auto&, auto&) { return AdminReply{200, "{}"}; });
  ASSERT_TRUE(server) << server.error().describe();
  int silent = connectUnix(dir / "proxy.sock");
  ASSERT_GE(silent, 0);
  // A request that arrives: the server is alive and answering beside the silent client.
  EXPECT_NE(exchange(dir / "proxy.sock", "GET /v1/ping HTTP/1.1\r\nHost: x\r\n\r\n").find("200"), std::string::npos);
  auto started = std::chrono::steady_clock::now();
  server->reset();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s) << "the destructor waited for a silent client";
  ::close(silent);
}

TEST(AdminServer, HandlerExceptionsBecomeValidJson) {
  testing::ScopedTempDir dir("admin");
  auto server = AdminServer::start(dir / "proxy.sock", [](auto&, auto&, auto&) -> AdminReply {
    throw std::runtime_error("bad \"quote\" and \\ backslash\n");
  });
  ASSERT_TRUE(server);
  std::string reply = exchange(dir / "proxy.sock", "GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
  auto body_at = reply.find("\r\n\r\n");
  ASSERT_NE(body_at, std::string::npos) << reply;
  auto body = nlohmann::json::parse(reply.substr(body_at + 4), nullptr, false);
  ASSERT_FALSE(body.is_discarded()) << reply;
  EXPECT_NE(body["error"].get<std::string>().find("\"quote\""), std::string::npos);
}

}  // namespace
}  // namespace shipshape::proxy
