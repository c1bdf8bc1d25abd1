// The event watcher across a real daemon crash: a private dockerd is killed with SIGKILL and restarted;
// the watcher notices, reconnects, and delivers what happened after the restart, each event once.
#include <atomic>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "docker/event_watcher.h"
#include "support/docker_test_env.h"
#include "support/private_daemon.h"

namespace shipshape::testing {
namespace {

using namespace std::chrono_literals;

TEST(EventWatcher, ResumesAfterTheDaemonIsKilledAndRestarted) {
  PrivateDaemon daemon;
  auto started = daemon.start();
  ASSERT_TRUE(started) << started.error().describe();

  std::mutex mu;
  std::vector<std::string> created;  // names of volumes seen in "create" events
  std::atomic<int> connects{0}, disconnects{0};
  std::atomic<bool> stop{false};
  docker::EventWatcherOptions options;
  options.filters = {{"type", {"volume"}}};
  options.initial_backoff = 100ms;
  options.max_backoff = 500ms;
  docker::EventWatcher watcher(daemon.endpoint(), {}, options,
                               {.on_event =
                                    [&](const docker::Event& e) {
                                      if (e.action != "create") return;
                                      std::lock_guard lock(mu);
                                      created.push_back(e.actor_id);
                                    },
                                .on_connected = [&](bool) { connects++; },
                                .on_disconnected = [&](const Error&) { disconnects++; }});
  std::thread runner([&] { watcher.run(stop); });
  // Joins the watcher even when an assertion returns early, or std::thread would terminate the test.
  struct Joiner {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~Joiner() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
  } joiner{stop, runner};
  auto seen = [&](const std::string& name) {
    std::lock_guard lock(mu);
    return std::count(created.begin(), created.end(), name);
  };
  ASSERT_TRUE(eventually([&] { return connects.load() >= 1; }, 10s));

  docker::Client client(daemon.endpoint());
  SS_ASSERT_OK(client.createVolume("before-crash"));
  EXPECT_TRUE(eventually([&] { return seen("before-crash") == 1; }, 10s));

  daemon.kill9();
  EXPECT_TRUE(eventually([&] { return disconnects.load() >= 1; }, 10s));
  auto restarted = daemon.start();
  ASSERT_TRUE(restarted) << restarted.error().describe();
  // Created as soon as the daemon answers, possibly before the watcher is back: `since` must cover it.
  docker::Client after(daemon.endpoint());
  SS_ASSERT_OK(after.createVolume("after-restart"));

  EXPECT_TRUE(eventually([&] { return seen("after-restart") == 1; }, 15s));
  EXPECT_GE(watcher.reconnects(), 1u);
  EXPECT_EQ(seen("before-crash"), 1) << "an event must not be delivered twice after a resume";

  auto stop_at = std::chrono::steady_clock::now();
  stop = true;
  runner.join();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_at, 2s);
}

}  // namespace
}  // namespace shipshape::testing
