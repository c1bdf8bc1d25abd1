#include "serve/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>

#include "common/percent_encoding.h"
#include "support/docker_test_env.h"
#include "support/http_get.h"

namespace shipshape::serve {
namespace {

ServerOptions withRoutes(std::string listen, std::string token = "") {
  ServerOptions o{.listen = std::move(listen), .token = std::move(token)};
  o.routes["/metrics"] = [](const HttpRequest&) { return HttpReply{.body = "up 1\n"}; };
  return o;
}

TEST(HttpServer, ServesRoutesOnLoopback) {
  auto server = HttpServer::start(withRoutes("127.0.0.1:0"));
  ASSERT_TRUE(server) << server.error().describe();
  std::string base = "http://" + (*server)->address();
  auto ok = testing::httpRequest("GET", base + "/metrics");
  ASSERT_TRUE(ok) << ok.error().describe();
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "up 1\n");
  EXPECT_EQ(testing::httpRequest("GET", base + "/nope")->status, 404);
  EXPECT_EQ(testing::httpRequest("POST", base + "/metrics", "x")->status, 405);
}

TEST(HttpServer, RefusesANonLoopbackAddressWithoutAToken) {
  auto server = HttpServer::start(withRoutes("0.0.0.0:0"));
  ASSERT_FALSE(server);
  EXPECT_NE(server.error().message.find("without a token"), std::string::npos) << server.error().message;
}

TEST(HttpServer, ATokenIsRequiredWhenSet) {
  auto server = HttpServer::start(withRoutes("0.0.0.0:0", "s3cret-token"));
  ASSERT_TRUE(server) << server.error().describe();
  std::string port = (*server)->address().substr((*server)->address().rfind(':') + 1);
  auto denied = testing::httpRequest("GET", "http://127.0.0.1:" + port + "/metrics");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
  EXPECT_EQ(denied->body.find("s3cret"), std::string::npos);
  auto wrong = testing::httpRequest("GET", "http://127.0.0.1:" + port + "/metrics", "", std::chrono::seconds(5),
                                    {"Authorization: Bearer s3cret-tokem"});
  EXPECT_EQ(wrong->status, 401);
  auto allowed = testing::httpRequest("GET", "http://127.0.0.1:" + port + "/metrics", "", std::chrono::seconds(5),
                                      {"Authorization: Bearer s3cret-token"});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200);
  EXPECT_EQ(allowed->body, "up 1\n");
}

int connectTo(const std::string& address) {
  auto colon = address.rfind(':');
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1))));
  ::inet_pton(AF_INET, address.substr(0, colon).c_str(), &sa.sin_addr);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads from `fd` until the server closes, `stop_after` is seen, or 5 s pass.
std::string readFrom(int fd, const std::string& stop_after) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!stop_after.empty() && out.find(stop_after) != std::string::npos) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

// A raw HTTP/1.1 exchange on a fresh connection: what the curl helper does not show (headers, streams).
std::string talk(const std::string& address, const std::string& request, const std::string& stop_after = "") {
  int fd = connectTo(address);
  if (fd < 0) return "connect failed";
  (void)!::write(fd, request.data(), request.size());
  std::string out = readFrom(fd, stop_after);
  ::close(fd);
  return out;
}

std::string get(const std::string& address, const std::string& target, const std::string& extra = "") {
  return talk(address, "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + extra + "\r\n");
}

ServerOptions withLogin(std::string token) {
  ServerOptions o = withRoutes("127.0.0.1:0", std::move(token));
  o.routes["/"] = [](const HttpRequest&) {
    return HttpReply{.content_type = "text/html; charset=utf-8", .body = "<p>the page</p>"};
  };
  o.routes["/echo"] = [](const HttpRequest& r) {
    std::string body = r.path;
    for (const auto& [k, v] : r.query) body += "|" + k + "=" + v;
    return HttpReply{.body = body};
  };
  o.login = true;
  o.pages = {"/"};
  return o;
}

TEST(HttpServer, QueriesArePercentDecoded) {
  EXPECT_EQ(percentDecode("a%2Fb+c%zz%4"), "a/b c%zz%4");
  auto q = parseQuery("kind=unhealthy&subject=web%201&flag&kind=crash-loop");
  EXPECT_EQ(q["kind"], "crash-loop");
  EXPECT_EQ(q["subject"], "web 1");
  EXPECT_EQ(q["flag"], "");
  auto server = HttpServer::start(withLogin(""));
  ASSERT_TRUE(server) << server.error().describe();
  EXPECT_NE(get((*server)->address(), "/echo?x=%3Cy%3E").find("/echo|x=<y>"), std::string::npos);
}

TEST(HttpServer, ABrowserSignsInOnceAndKeepsTheTokenAsACookie) {
  const std::string token = "t0k/en+=";  // characters a cookie value may not hold as they are
  auto server = HttpServer::start(withLogin(token));
  ASSERT_TRUE(server) << server.error().describe();
  std::string at = (*server)->address();

  // The page without the token sends the browser to the form; the API answers 401.
  std::string page = get(at, "/");
  EXPECT_NE(page.find("303"), std::string::npos) << page;
  EXPECT_NE(page.find("Location: /login"), std::string::npos) << page;
  EXPECT_NE(get(at, "/metrics").find("401"), std::string::npos);
  EXPECT_NE(get(at, "/login").find("name=token"), std::string::npos);

  std::string wrong = get(at, "/login?token=t0k%2Fen%2B");
  EXPECT_NE(wrong.find("401"), std::string::npos) << wrong;
  EXPECT_EQ(wrong.find("Set-Cookie"), std::string::npos);
  EXPECT_EQ(wrong.find(token), std::string::npos) << "the token is never echoed";

  std::string right = get(at, "/login?token=t0k%2Fen%2B%3D");
  EXPECT_NE(right.find("303"), std::string::npos) << right;
  auto cookie_at = right.find("Set-Cookie: ");
  ASSERT_NE(cookie_at, std::string::npos) << right;
  std::string cookie = right.substr(cookie_at + 12, right.find("\r\n", cookie_at) - cookie_at - 12);
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos) << cookie;
  std::string pair = cookie.substr(0, cookie.find(';'));
  EXPECT_EQ(pair, "shipshape_token=t0k%2Fen%2B%3D");

  EXPECT_NE(get(at, "/", "Cookie: theme=dark; " + pair + "\r\n").find("the page"), std::string::npos);
  EXPECT_NE(get(at, "/metrics", "Cookie: " + pair + "\r\n").find("up 1"), std::string::npos);
  EXPECT_NE(get(at, "/metrics", "Cookie: shipshape_token=t0k%2Fen%2B\r\n").find("401"), std::string::npos);
  EXPECT_NE(get(at, "/metrics", "Authorization: Bearer " + token + "\r\n").find("up 1"), std::string::npos);
}

TEST(HttpServer, WithoutATokenTheLoginPageGoesStraightToThePage) {
  auto server = HttpServer::start(withLogin(""));
  ASSERT_TRUE(server) << server.error().describe();
  std::string answer = get((*server)->address(), "/login?token=anything");
  EXPECT_NE(answer.find("303"), std::string::npos) << answer;
  EXPECT_EQ(answer.find("Set-Cookie"), std::string::npos) << answer;
  EXPECT_NE(get((*server)->address(), "/").find("the page"), std::string::npos);
}

TEST(HttpServer, StreamsSendWhatThePollReturnsAndAreBounded) {
  ServerOptions o = withRoutes("127.0.0.1:0", "s3cret");
  o.streams["/events"] = [](std::uint64_t& cursor) {
    ++cursor;
    return "event: tick\ndata: " + std::to_string(cursor) + "\n\n";
  };
  o.max_streams = 1;
  auto server = HttpServer::start(std::move(o));
  ASSERT_TRUE(server) << server.error().describe();
  std::string at = (*server)->address();
  EXPECT_NE(get(at, "/events").find("401"), std::string::npos) << "a stream needs the token too";

  // The first poll answers at once, the next ones once a second, on the same connection.
  int held = connectTo(at);
  ASSERT_GE(held, 0);
  std::string request = "GET /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret\r\n\r\n";
  (void)!::write(held, request.data(), request.size());
  std::string stream = readFrom(held, "data: 2\n\n");
  EXPECT_NE(stream.find("Content-Type: text/event-stream"), std::string::npos) << stream;
  EXPECT_NE(stream.find("event: tick\ndata: 1\n\n"), std::string::npos) << stream;
  EXPECT_NE(stream.find("event: tick\ndata: 2\n\n"), std::string::npos) << stream;

  // While it is open a second stream is refused; once it closes, one is let in again.
  std::string second = get(at, "/events", "Authorization: Bearer s3cret\r\n");
  EXPECT_NE(second.find("503"), std::string::npos) << second;
  ::close(held);
  EXPECT_TRUE(shipshape::testing::eventually(
      [&] {
        std::string again =
            "GET /events HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer s3cret\r\n\r\n";
        return talk(at, again, "data: 1\n\n").find("data: 1") != std::string::npos;
      },
      std::chrono::seconds(5)))
      << "the closed stream's place is given back";
}

TEST(HttpServer, ListenAddressesAreParsedStrictly) {
  EXPECT_EQ(parseListenAddress(":9323")->first, "127.0.0.1");
  EXPECT_EQ(parseListenAddress("[::1]:80")->first, "::1");
  EXPECT_FALSE(parseListenAddress("localhost"));
  EXPECT_FALSE(parseListenAddress("1.2.3.4:99999"));
  EXPECT_TRUE(isLoopback("127.0.0.1"));
  EXPECT_TRUE(isLoopback("::1"));
  EXPECT_FALSE(isLoopback("0.0.0.0"));
  auto busy = HttpServer::start(withRoutes("127.0.0.1:0"));
  ASSERT_TRUE(busy);
  auto again = HttpServer::start(withRoutes((*busy)->address()));
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find((*busy)->address()), std::string::npos) << again.error().message;
}

}  // namespace
}  // namespace shipshape::serve
