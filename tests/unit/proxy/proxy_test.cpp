// The proxy against real upstreams: testapp processes listening on loopback ports (no engine needed).
#include "proxy/proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "common/format.h"
#include "support/docker_test_env.h"
#include "support/fixtures.h"
#include "support/http_get.h"
#include "support/process.h"

namespace shipshape::proxy {
namespace {

using namespace std::chrono_literals;
using testing::httpRequest;

// A testapp serving `version` on a loopback port, up before the constructor returns.
struct LocalApp {
  // Port 0: testapp binds whatever the kernel gives and says so on stderr; no guessing a free port.
  explicit LocalApp(const std::string& version) : process({SHIPSHAPE_TESTAPP_BINARY, "serve", "0", version}) {
    const std::string marker = "listening on :";
    EXPECT_TRUE(testing::eventually([&] { return process.output().find(marker) != std::string::npos; }, 5s))
        << process.output();
    std::string out = process.output();
    auto at = out.find(marker);
    port = at == std::string::npos ? 0 : static_cast<unsigned short>(std::atoi(out.c_str() + at + marker.size()));
    auto up = testing::httpGetWhenUp(url("/health"), 5s);
    EXPECT_TRUE(up) << up.error().describe();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port) + path; }
  UpstreamPtr upstream(std::int64_t release = 0) const {
    return std::make_shared<Upstream>(UpstreamTarget{.host = "127.0.0.1", .port = port, .release_id = release});
  }
  testing::BackgroundProcess process;
  unsigned short port = 0;
};

// A plain TCP client of the proxy's listener ("127.0.0.1:PORT"), for what an HTTP library hides: pipelining,
// upgrades, silence. Receives wait at most `receive_timeout`; the socket is closed with the object.
struct LoopbackClient {
  explicit LoopbackClient(const std::string& address, int receive_timeout_s = 5) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<unsigned short>(std::stoi(address.substr(address.rfind(':') + 1))));
    connected = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    timeval tv{receive_timeout_s, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~LoopbackClient() { ::close(fd); }
  LoopbackClient(const LoopbackClient&) = delete;
  LoopbackClient& operator=(const LoopbackClient&) = delete;
  bool send(std::string_view data) const {
    return ::send(fd, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // Appends what arrives to `into`; returns recv's result (0 at EOF, < 0 on error or timeout).
  ssize_t receive(std::string& into) const {
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) into.append(buf, static_cast<std::size_t>(n));
    return n;
  }
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  bool connected = false;
};

class ProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // testapp keeps /kv under DATA_DIR; spawned apps inherit it.
    char dir[] = "/tmp/ss-proxy-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    data_dir_ = dir;
    ::setenv("DATA_DIR", dir, 1);
    auto started = Proxy::start({.threads = 2});
    ASSERT_TRUE(started) << started.error().describe();
    proxy_ = std::move(*started);
    auto bound = proxy_->listen("web", "127.0.0.1:0");
    ASSERT_TRUE(bound) << bound.error().describe();
    base_ = "http://" + *bound;
  }
  std::string get(const std::string& path) {
    auto r = httpRequest("GET", base_ + path);
    return r ? std::to_string(r->status) + " " + r->body : "error: " + r.error().describe();
  }

  void TearDown() override { std::filesystem::remove_all(data_dir_); }

  std::unique_ptr<Proxy> proxy_;
  std::string base_;
  std::string data_dir_;
};

TEST_F(ProxyTest, AnswersServiceUnavailableWithoutAnUpstream) {
  EXPECT_EQ(get("/version"), "503 no upstream for this service\n");
}

TEST_F(ProxyTest, RelaysToTheActiveUpstreamAndCountsAnswers) {
  LocalApp v1("v1");
  auto up = v1.upstream();
  EXPECT_EQ(proxy_->switchTo("web", up), nullptr);
  EXPECT_EQ(get("/version"), "200 v1\n");
  EXPECT_EQ(get("/status?code=500"), "500 status 500\n");
  EXPECT_EQ(get("/status?code=404"), "404 status 404\n");
  // The counters move just after the answer went out.
  EXPECT_TRUE(testing::eventually([&] { return up->requests() == 3; }, 2s)) << up->requests();
  EXPECT_EQ(up->responses5xx(), 1);
  EXPECT_EQ(up->latencyBuckets().back(), 3);
  WindowCounts recent = up->window(nowMs(), 5000);
  EXPECT_EQ(recent.requests, 3);
  EXPECT_EQ(recent.errors, 1);
}

TEST_F(ProxyTest, StreamsLargeBodiesBothWays) {
  LocalApp v1("v1");
  proxy_->switchTo("web", v1.upstream());
  std::string body(3 * 1024 * 1024 + 17, 'x');
  for (std::size_t i = 0; i < body.size(); i += 4096) body[i] = static_cast<char>('a' + (i / 4096) % 26);
  auto put = httpRequest("PUT", base_ + "/kv/big", body, 20s);
  ASSERT_TRUE(put) << put.error().describe();
  EXPECT_EQ(put->status, 201) << put->body;
  auto back = httpRequest("GET", base_ + "/kv/big", "", 20s);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->status, 200);
  EXPECT_TRUE(back->body == body) << "got " << back->body.size() << " bytes";
}

TEST_F(ProxyTest, SwitchSendsNewRequestsToTheNewVersionWhileTheOldOneFinishes) {
  LocalApp v1("v1"), v2("v2");
  auto old_upstream = v1.upstream();
  proxy_->switchTo("web", old_upstream);
  std::atomic<int> slow_status{0};
  std::jthread slow([&] {
    auto r = httpRequest("GET", base_ + "/slow?ms=800");
    slow_status = r ? r->status : -1;
  });
  ASSERT_TRUE(testing::eventually([&] { return old_upstream->inFlight() == 1; }, 2s));
  EXPECT_EQ(proxy_->switchTo("web", v2.upstream()), old_upstream);
  EXPECT_EQ(get("/version"), "200 v2\n");
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Proxy::drain(*old_upstream, 5s), 0);
  EXPECT_GT(std::chrono::steady_clock::now() - start, 300ms);  // it waited for the slow request
  slow.join();
  EXPECT_EQ(slow_status.load(), 200);
  EXPECT_TRUE(proxy_->switchBack("web"));
  EXPECT_EQ(get("/version"), "200 v1\n");
}

TEST_F(ProxyTest, ConnectFailureMovesIdempotentRequestsToTheStandbyOnly) {
  LocalApp v1("v1");
  testing::ReservedPort nothing_listens;
  auto dead = std::make_shared<Upstream>(UpstreamTarget{.host = "127.0.0.1", .port = nothing_listens.port()});
  proxy_->switchTo("web", v1.upstream());
  proxy_->switchTo("web", dead);  // v1 is now the standby
  EXPECT_EQ(get("/version"), "200 v1\n");
  EXPECT_EQ(dead->retried(), 1);
  auto post = httpRequest("POST", base_ + "/kv/x", "data");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 502);
  proxy_->clearStandby("web");
  EXPECT_EQ(get("/version"), "502 upstream unavailable\n");
}

TEST_F(ProxyTest, UpgradedConnectionsPassBytesThroughUntilClosed) {
  LocalApp v1("v1");
  auto up = v1.upstream();
  proxy_->switchTo("web", up);
  LoopbackClient client(base_);
  ASSERT_TRUE(client.connected);
  ASSERT_TRUE(client.send("GET /upgrade HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nping-1"));
  std::string got;
  while (got.find("ping-1") == std::string::npos) ASSERT_GT(client.receive(got), 0) << got;
  EXPECT_EQ(got.rfind("HTTP/1.1 101", 0), 0u) << got;
  ASSERT_TRUE(client.send("pong-2"));
  got.clear();
  while (got.size() < 6) ASSERT_GT(client.receive(got), 0);
  EXPECT_EQ(got, "pong-2");
  EXPECT_EQ(up->tunnels(), 1u);
  up->closeTunnels();  // what the end of a drain does
  EXPECT_EQ(client.receive(got), 0);
}

// Framing on one client connection: a HEAD answer has no body even when the upstream wrongly sends one (that
// connection is then not reused), the next request's answer follows at once, and an HTTP/1.0 client without
// keep-alive gets an HTTP/1.0 answer and the connection closed after its body.
TEST_F(ProxyTest, HeadAnswersCarryNoBodyAndPipelinedRequestsKeepTheirFraming) {
  LocalApp v1("v1");
  auto up = v1.upstream();
  proxy_->switchTo("web", up);
  LoopbackClient client(base_);
  ASSERT_TRUE(client.connected);
  ASSERT_TRUE(
      client.send("HEAD /version HTTP/1.1\r\nHost: x\r\n\r\n"
                  "GET /version HTTP/1.1\r\nHost: x\r\n\r\n"
                  "GET /status?code=404 HTTP/1.0\r\nHost: x\r\n\r\n"));
  std::string got;
  for (;;) {
    ssize_t n = client.receive(got);
    ASSERT_GE(n, 0) << "no EOF after the HTTP/1.0 answer; got so far:\n" << got;
    if (n == 0) break;
  }
  const std::string head_answer = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\n";
  ASSERT_EQ(got.rfind(head_answer, 0), 0u) << got;
  std::string rest = got.substr(head_answer.size());
  // The next bytes are the GET's answer, not the HEAD's body.
  EXPECT_EQ(rest.rfind(head_answer + "v1\n", 0), 0u) << got;
  rest = rest.substr(std::min(rest.size(), head_answer.size() + 3));
  EXPECT_EQ(rest.rfind("HTTP/1.0 404 Not Found\r\n", 0), 0u) << got;
  EXPECT_NE(rest.find("Connection: close\r\n"), std::string::npos) << got;
  EXPECT_TRUE(rest.ends_with("\r\n\r\nstatus 404\n")) << got;
  EXPECT_TRUE(testing::eventually([&] { return up->requests() == 3; }, 2s)) << up->requests();
  EXPECT_EQ(up->upstreamErrors(), 0);
}

// Timeouts: one deadline per session, moved by every operation. An upstream slower than the response timeout is
// answered 504 at about the timeout (a deadline earlier than the idle one the session waited on before); a
// client that says nothing is closed after the idle timeout; a client that pauses between requests for less
// than it is served every time (the deadline counts from the last operation, not from the connection).
TEST(ProxyTimeouts, SlowUpstreamGets504AtTheResponseTimeoutAndSilentClientsAreClosed) {
  LocalApp v1("v1");
  auto proxy = Proxy::start({.threads = 1, .response_timeout = 400ms, .idle_timeout = 1500ms});
  ASSERT_TRUE(proxy) << proxy.error().describe();
  auto bound = (*proxy)->listen("web", "127.0.0.1:0");
  ASSERT_TRUE(bound) << bound.error().describe();
  (*proxy)->switchTo("web", v1.upstream());
  const std::string base = "http://" + *bound;

  auto started = std::chrono::steady_clock::now();
  auto slow = httpRequest("GET", base + "/slow?ms=3000", "", 10s);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(slow) << slow.error().describe();
  EXPECT_EQ(slow->status, 504) << slow->body;
  EXPECT_EQ(slow->body, "upstream timed out\n");
  EXPECT_GE(took, 400ms);
  EXPECT_LT(took, 1400ms);  // the response timeout, not the idle one (1.5 s) nor the upstream's 3 s

  LoopbackClient client(*bound, 10);
  ASSERT_TRUE(client.connected);
  // Three requests 600 ms apart on one connection: each pause is under the idle timeout, their sum is not.
  const std::string request = "GET /version HTTP/1.1\r\nHost: x\r\n\r\n";
  for (int i = 0; i < 3; ++i) {
    if (i > 0) std::this_thread::sleep_for(600ms);  // the client's pause is the stimulus, not a wait
    ASSERT_TRUE(client.send(request));
    std::string got;
    while (!got.ends_with("\r\n\r\nv1\n"))
      ASSERT_GT(client.receive(got), 0) << "request " << i << " not answered: " << got;
  }
  // Then silence: the proxy closes the connection after the idle timeout.
  started = std::chrono::steady_clock::now();
  std::string rest;
  EXPECT_EQ(client.receive(rest), 0) << rest;
  took = std::chrono::steady_clock::now() - started;
  EXPECT_GE(took, 1400ms);
  EXPECT_LT(took, 5s);
}

// An upstream that closes every connection right after its answer, without saying so (a server may close an
// idle keep-alive connection at any time). A GET on such a pooled connection fails before any byte of an
// answer and is sent again on a new connection; a POST is never sent on an unchecked one. Every client sees 200.
TEST(ProxyPool, ConnectionsTheUpstreamClosedAreNotFailuresForTheClient) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 64), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const auto port = ntohs(addr.sin_port);
  std::atomic<int> accepted{0};
  std::jthread server([&](std::stop_token stop) {
    while (!stop.stop_requested()) {
      int fd = ::accept(listener, nullptr, nullptr);
      if (fd < 0) return;  // the listener was shut down
      ++accepted;
      std::string request;
      char buf[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        request.append(buf, static_cast<std::size_t>(n));
      }
      // A POST's body (Content-Length 4 in this test) is read before the answer.
      if (request.rfind("POST", 0) == 0) {
        while (request.size() < request.find("\r\n\r\n") + 4 + 4) {
          ssize_t n = ::recv(fd, buf, sizeof buf, 0);
          if (n <= 0) break;
          request.append(buf, static_cast<std::size_t>(n));
        }
      }
      static const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
      (void)::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);  // a failed send is the client's 502
      ::close(fd);
    }
  });
  struct Stop {
    int listener;
    std::jthread& server;
    ~Stop() {
      server.request_stop();
      ::shutdown(listener, SHUT_RDWR);  // wakes accept()
      server.join();
      ::close(listener);
    }
  } stopper{listener, server};

  auto proxy = Proxy::start({.threads = 1});
  ASSERT_TRUE(proxy) << proxy.error().describe();
  auto bound = (*proxy)->listen("web", "127.0.0.1:0");
  ASSERT_TRUE(bound) << bound.error().describe();
  auto up = std::make_shared<Upstream>(UpstreamTarget{.host = "127.0.0.1", .port = port});
  (*proxy)->switchTo("web", up);
  const std::string base = "http://" + *bound;
  for (int i = 0; i < 20; ++i) {
    auto r = httpRequest(i % 2 == 0 ? "GET" : "POST", base + "/", i % 2 == 0 ? "" : "data");
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_EQ(r->status, 200) << "request " << i << ": " << r->body;
  }
  EXPECT_EQ(up->upstreamErrors(), 0);
  EXPECT_GE(accepted.load(), 20);  // every request had a connection of its own in the end
  EXPECT_GE(up->retried(), 1);     // and GETs went out on an unchecked pooled one and were sent again
}

TEST(ProxyListen, RefusesAnAddressInUseAndNamesIt) {
  auto proxy = Proxy::start({.threads = 1});
  ASSERT_TRUE(proxy);
  auto first = (*proxy)->listen("a", "127.0.0.1:0");
  ASSERT_TRUE(first);
  // Another proxy (any process) on the same port is refused, not joined through SO_REUSEPORT.
  auto other = Proxy::start({.threads = 1});
  ASSERT_TRUE(other);
  auto taken = (*other)->listen("a", *first);
  ASSERT_FALSE(taken);
  EXPECT_NE(taken.error().describe().find("in use"), std::string::npos) << taken.error().describe();
  auto bad = (*proxy)->listen("b", "not-an-address");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().describe().find("not-an-address"), std::string::npos) << bad.error().describe();
}

}  // namespace
}  // namespace shipshape::proxy
