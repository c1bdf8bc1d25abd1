// The /events stream against the real engine: bounded replays, live subscriptions, cancellation.
#include <atomic>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "docker/event_watcher.h"
#include "support/docker_test_env.h"

namespace shipshape::testing {
namespace {

using namespace std::chrono_literals;

class Events : public DockerTest {};

std::string nowSince() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return docker::sinceFromNanos(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
}

TEST_F(Events, BoundedReplayHasTheLifecycle) {
  std::string since = nowSince();
  std::string id = runTestapp("replay", testappSpec());
  ASSERT_FALSE(id.empty());
  SS_ASSERT_OK(client().stopContainer(id, 5));
  std::string until = nowSince();
  std::vector<std::string> actions;
  auto r = client().events({.since = since, .until = until, .filters = {{"container", {id}}}},
                           [&](const docker::Event& e) {
                             EXPECT_EQ(e.actor_id, id);
                             actions.push_back(e.action);
                             return true;
                           },
                           nullptr);
  SS_ASSERT_OK(r);
  auto has = [&](const std::string& a) { return std::find(actions.begin(), actions.end(), a) != actions.end(); };
  EXPECT_TRUE(has("create"));
  EXPECT_TRUE(has("start"));
  EXPECT_TRUE(has("die"));
  EXPECT_TRUE(has("stop"));
}

TEST_F(Events, LiveStreamSeesHealthAndStopsOnCancel) {
  std::atomic<bool> cancel{false}, connected{false};
  std::mutex mu;
  std::vector<docker::Event> seen;
  Result<void> outcome;
  // A jthread joins in its destructor, and the guard declared after it (so destroyed first) cancels the
  // stream: an ASSERT below that returns early neither terminates the test nor hangs it.
  std::jthread reader([&] {
    auto c = docker::Client::fromEnvironment();
    ASSERT_TRUE(c);
    outcome = (*c)->events({.filters = {{"label", {std::string(kTestLabel) + "=" + prefix()}}, {"type", {"container"}}}},
                           [&](const docker::Event& e) {
                             std::lock_guard lock(mu);
                             seen.push_back(e);
                             return true;
                           },
                           &cancel, [&] { connected = true; });
  });
  struct CancelOnExit {
    std::atomic<bool>& cancel;
    ~CancelOnExit() { cancel = true; }
  } cancel_on_exit{cancel};
  ASSERT_TRUE(eventually([&] { return connected.load(); }, 10s));
  auto spec = testappSpec();
  spec.env = {"HEALTH=fail"};
  std::string id = runTestapp("live", spec);
  bool unhealthy = eventually(
      [&] {
        std::lock_guard lock(mu);
        for (const auto& e : seen) {
          if (e.actor_id == id && e.action == "health_status: unhealthy") return true;
        }
        return false;
      },
      30s);
  EXPECT_TRUE(unhealthy) << "an unhealthy container shows up on the stream";
  auto start = std::chrono::steady_clock::now();
  cancel = true;
  reader.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s) << "cancel stops an idle stream promptly";
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().code, ErrorCode::kCancelled);
}

}  // namespace
}  // namespace shipshape::testing
