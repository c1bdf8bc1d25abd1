#include "serve/http_server.h"

#include <gtest/gtest.h>

#include "support/http_get.h"

namespace shipshape::serve {
namespace {

ServerOptions withRoutes(std::string listen, std::string token = "") {
  ServerOptions o{.listen = std::move(listen), .token = std::move(token)};
  o.routes["/metrics"] = [] { return HttpReply{.body = "up 1\n"}; };
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
