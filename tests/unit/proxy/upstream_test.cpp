#include "proxy/upstream.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/format.h"
#include "proxy/proxy_metrics.h"

namespace shipshape::proxy {
namespace {

TEST(Upstream, CountsAnswersAndTheRecentWindow) {
  Upstream u(UpstreamTarget{.host = "172.17.0.5", .port = 8080, .container_name = "web-r3", .release_id = 3});
  EXPECT_EQ(u.target().address(), "172.17.0.5:8080");
  u.setSlowThresholdMs(100);
  for (int i = 0; i < 8; ++i) {
    u.begin();
    u.finish(200, 0.002, false);
  }
  u.begin();
  EXPECT_EQ(u.inFlight(), 1);
  u.finish(503, 0.2, false);  // a 5xx, and slow
  u.begin();
  u.finish(502, 2.0, true);  // the upstream failed: the proxy answered itself
  EXPECT_EQ(u.inFlight(), 0);
  EXPECT_EQ(u.requests(), 10);
  EXPECT_EQ(u.responses5xx(), 2);
  EXPECT_EQ(u.upstreamErrors(), 1);
  EXPECT_GT(u.firstErrorMs(), 0);
  auto buckets = u.latencyBuckets();
  EXPECT_EQ(buckets[0], 8);      // <= 5 ms
  EXPECT_EQ(buckets[5], 9);      // <= 250 ms
  EXPECT_EQ(buckets.back(), 10);  // +Inf
  WindowCounts w = u.window(nowMs(), 1000);
  EXPECT_EQ(w.requests, 10);
  EXPECT_EQ(w.errors, 2);
  EXPECT_EQ(w.slow, 2);
  EXPECT_DOUBLE_EQ(w.errorRatio(), 0.2);
  // Ten seconds later nothing is recent any more.
  EXPECT_EQ(u.window(nowMs() + 10000, 1000).requests, 0);
}

// The request path counts without a lock: concurrent finish() calls from every proxy thread lose nothing.
TEST(Upstream, ConcurrentAnswersAreAllCounted) {
  Upstream u(UpstreamTarget{.host = "10.0.0.1", .port = 80});
  const auto started = nowMs();
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 20000; ++i) {
          u.begin();
          u.finish(i % 10 == 0 ? 500 : 200, 0.001, false);
        }
      });
    }
  }
  ASSERT_LT(nowMs() - started, 4000) << "too slow for the 5 s window to hold every answer";
  WindowCounts w = u.window(nowMs(), 5000);
  EXPECT_EQ(w.requests, 80000);
  EXPECT_EQ(w.errors, 8000);
  EXPECT_EQ(u.inFlight(), 0);
}

TEST(Upstream, IPv6AddressesAreBracketed) {
  EXPECT_EQ((UpstreamTarget{.host = "fd00::5", .port = 80}).address(), "[fd00::5]:80");
}

TEST(ProxyMetrics, LabelsEachUpstreamByServiceRoleAndRelease) {
  auto active = std::make_shared<Upstream>(UpstreamTarget{.host = "10.0.0.2", .port = 80, .container_name = "web-r2", .release_id = 2});
  auto standby = std::make_shared<Upstream>(UpstreamTarget{.host = "10.0.0.1", .port = 80, .container_name = "web-r1", .release_id = 1});
  active->begin();
  active->finish(500, 0.01, false);
  std::string text = renderProxyMetrics({ServiceStatus{"web", "127.0.0.1:8000", {active, standby}}});
  EXPECT_NE(text.find("shipshape_proxy_requests_total{service=\"web\",role=\"active\",container=\"web-r2\",release=\"2\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("shipshape_proxy_responses_5xx_total{service=\"web\",role=\"standby\",container=\"web-r1\",release=\"1\"} 0"),
            std::string::npos);
  EXPECT_NE(text.find("shipshape_proxy_request_duration_seconds_bucket{service=\"web\",role=\"active\",container=\"web-r2\",release=\"2\",le=\"0.01\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE shipshape_proxy_request_duration_seconds histogram"), std::string::npos);
}

}  // namespace
}  // namespace shipshape::proxy
