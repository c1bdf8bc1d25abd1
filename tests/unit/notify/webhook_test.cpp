#include "notify/webhook.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/http_receiver.h"

namespace shipshape::notify {
namespace {

store::Incident incident(const std::string& kind, const std::string& subject) {
  store::Incident i;
  i.id = 7;
  i.kind = kind;
  i.subject = subject;
  i.situation = "host CPU 99% busy; hog uses 3.9 cores";
  i.started_at_ms = 1000;
  i.detected_at_ms = 11000;
  return i;
}

TEST(Webhook, PostsSlackCompatibleJsonWithTheIncident) {
  testing::HttpReceiver receiver;
  {
    WebhookAlerter alerter({.url = receiver.url(), .host_name = "node-1"});
    alerter.incident(incident("cpu-starvation", "host"), false);
    ASSERT_TRUE(receiver.waitFor(1, std::chrono::seconds(5)));
  }
  auto r = receiver.requests().at(0);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/hook");
  EXPECT_EQ(r.headers["content-type"], "application/json");
  auto body = nlohmann::json::parse(r.body);
  EXPECT_NE(body["text"].get<std::string>().find("cpu-starvation on host (node-1)"), std::string::npos) << body["text"];
  EXPECT_EQ(body["event"], "incident.opened");
  EXPECT_EQ(body["incident"]["id"], 7);
  EXPECT_EQ(body["incident"]["time_to_detect_ms"], 10000);
  EXPECT_TRUE(body["incident"]["resolved_at"].is_null());
}

TEST(Webhook, DeduplicatesAndRateLimitsThenSaysHowManyWereDropped) {
  testing::HttpReceiver receiver;
  std::optional<WebhookAlerter> alerter;
  alerter.emplace(WebhookOptions{.url = receiver.url(), .max_per_minute = 3, .host_name = "node-1"});
  for (int i = 0; i < 5; ++i) alerter->incident(incident("crash-loop", "api"), false);  // one alert, four dups
  alerter->incident(incident("crash-loop", "api"), true);                               // a different event
  alerter->incident(incident("oom-kill", "db"), false);
  alerter->incident(incident("oom-kill", "cache"), false);  // over 3/minute: dropped, counted
  alerter->incident(incident("oom-kill", "queue"), false);  // dropped too
  ASSERT_TRUE(receiver.waitFor(3, std::chrono::seconds(5)));
  EXPECT_EQ(alerter->counters().deduplicated.load(), 4u);
  EXPECT_EQ(alerter->counters().rate_limited.load(), 2u);
  alerter.reset();  // sends whatever is still queued: nothing beyond the three may arrive
  EXPECT_EQ(receiver.requests().size(), 3u);
}

TEST(Webhook, AFailingReceiverIsRetriedOnceAndCounted) {
  testing::HttpReceiver receiver(500);
  WebhookAlerter alerter({.url = receiver.url(), .host_name = "node-1"});
  alerter.incident(incident("daemon-down", "daemon"), false);
  ASSERT_TRUE(receiver.waitFor(2, std::chrono::seconds(5)));
  for (int i = 0; i < 50 && alerter.counters().failed.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(alerter.counters().failed.load(), 1u);
  EXPECT_EQ(receiver.requests().size(), 2u) << "one retry";
}

TEST(Webhook, ShutdownIsQuickEvenWhenTheReceiverIsGone) {
  auto started = std::chrono::steady_clock::now();
  {
    WebhookAlerter alerter({.url = "http://127.0.0.1:9/nothing-listens", .host_name = "n"});
    for (int i = 0; i < 5; ++i) alerter.incident(incident("oom-kill", "c" + std::to_string(i)), false);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4));
}

// A receiver that accepts connections into its backlog and never answers: a hung webhook endpoint.
class HungReceiver {
 public:
  HungReceiver() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 128), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~HungReceiver() { ::close(fd_); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(Webhook, QueueStaysBoundedWhenTheReceiverHangs) {
  HungReceiver hung;
  WebhookAlerter alerter({.url = hung.url(),
                          .max_per_minute = 100000,
                          .timeout = std::chrono::milliseconds(500),
                          .host_name = "n",
                          .max_queue = 8,
                          .shutdown_budget = std::chrono::milliseconds(200)});
  for (int i = 0; i < 200; ++i) alerter.incident(incident("oom-kill", "c" + std::to_string(i)), false);
  EXPECT_LE(alerter.queued(), 8u);
  EXPECT_GE(alerter.counters().dropped.load(), 190u);
}

TEST(Webhook, DedupeMemoryIsBounded) {
  HungReceiver hung;
  WebhookAlerter alerter({.url = hung.url(),
                          .max_per_minute = 100000,
                          .timeout = std::chrono::milliseconds(500),
                          .host_name = "n",
                          .max_queue = 4,
                          .max_dedupe_keys = 64,
                          .shutdown_budget = std::chrono::milliseconds(200)});
  for (int i = 0; i < 1000; ++i) alerter.incident(incident("oom-kill", "c" + std::to_string(i)), false);
  EXPECT_LE(alerter.rememberedKeys(), 64u);
}

TEST(Webhook, ShutdownSendsWhatIsQueued) {
  testing::HttpReceiver receiver;
  {
    WebhookAlerter alerter({.url = receiver.url(), .host_name = "n"});
    for (int i = 0; i < 5; ++i) alerter.incident(incident("oom-kill", "c" + std::to_string(i)), false);
  }
  EXPECT_EQ(receiver.requests().size(), 5u) << "queued alerts were dropped at shutdown";
}

TEST(Webhook, OnlyHttpAndHttpsUrls) {
  EXPECT_TRUE(checkWebhookUrl("https://hooks.slack.com/services/T/B/x"));
  EXPECT_TRUE(checkWebhookUrl("http://127.0.0.1:9000/hook"));
  EXPECT_FALSE(checkWebhookUrl("file:///etc/passwd"));
  EXPECT_FALSE(checkWebhookUrl("gopher://x/"));
  EXPECT_FALSE(checkWebhookUrl("https://"));
}

}  // namespace
}  // namespace shipshape::notify
