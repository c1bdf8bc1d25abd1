// The guardian's main loop must not wait for drain hooks: a hook that takes seconds runs on the guard's own
// thread, and its outcome still reaches the incident.
#include "daemonwatch/daemon_guard.h"

#include <chrono>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "common/format.h"
#include "support/scoped.h"

namespace shipshape::daemonwatch {
namespace {

using namespace std::chrono_literals;

TEST(DaemonGuard, SlowDrainHookDoesNotBlockTheLoop) {
  testing::ScopedTempDir dir("guard-hooks");
  std::string hook = dir / "drain.sh";
  std::ofstream(hook) << "#!/bin/sh\nsleep 2\necho \"$SHIPSHAPE_EVENT\" > " << dir / "ran"
                      << "\n";
  std::filesystem::permissions(hook, std::filesystem::perms::owner_all);
  auto store = store::IncidentStore::open(dir / "state");
  ASSERT_TRUE(store);
  docker::Endpoint endpoint;
  endpoint.socket_path = dir / "no-daemon.sock";
  docker::Client client(endpoint, {});
  std::int64_t incident_id = 0;
  {
    DaemonGuardOptions options;
    options.drain_hooks = {{hook}};
    options.hook_timeout = 10s;
    DaemonGuard guard(client, **store, options, nowMs, nullptr);
    auto started = std::chrono::steady_clock::now();
    guard.tick();
    guard.tick();  // two failed pings: down
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_TRUE(guard.down());
    EXPECT_LT(took, 1500ms) << "the loop waited for the drain hook";
    auto open = (*store)->findOpen("daemon-down", "daemon");
    ASSERT_TRUE(open && *open);
    incident_id = (*open)->id;
  }  // the destructor waits for the queued hook
  std::ifstream ran(dir / "ran");
  std::string event;
  ran >> event;
  EXPECT_EQ(event, "drain");
  auto incident = (*store)->get(incident_id);
  ASSERT_TRUE(incident);
  bool recorded = false;
  for (const auto& a : incident->actions) recorded |= a.kind == "drain" && a.outcome == "ok";
  EXPECT_TRUE(recorded);
}

}  // namespace
}  // namespace shipshape::daemonwatch
