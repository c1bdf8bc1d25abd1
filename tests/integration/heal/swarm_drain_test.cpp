// In a Swarm, a host whose engine dies is drained through a manager and given its availability back when the
// engine returns. Two private daemons: M is a real single-node Swarm manager, P is the guarded engine; the
// config names the node to drain (M's own, the only node there is) and M as the manager to ask. P is killed
// with SIGKILL and started again.
#include <signal.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "docker/client.h"
#include "support/docker_test_env.h"
#include "support/private_daemon.h"
#include "support/process.h"
#include "support/scoped.h"

namespace shipshape::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

TEST(SwarmDrain, NodeDrainedDuringTheOutageAndRestoredAfter) {
  ::shipshape::testing::ScopedTempDir dir_holder("swarm");  // removed even when an assertion fails
  const std::string& dir = dir_holder.path();
  std::filesystem::create_directories(dir);
  PrivateDaemon manager, guarded;
  auto m = manager.start();
  ASSERT_TRUE(m) << m.error().describe();
  auto init = runProcess({"/usr/local/bin/docker", "-H", manager.host(), "swarm", "init", "--advertise-addr", "127.0.0.1"});
  if (init.exit_code != 0) init = runProcess({"/usr/bin/docker", "-H", manager.host(), "swarm", "init", "--advertise-addr", "127.0.0.1"});
  ASSERT_EQ(init.exit_code, 0) << init.err << manager.logTail();
  auto mgr = docker::Client::fromEnvironment(manager.host());
  ASSERT_TRUE(mgr);
  auto info = (*mgr)->info();
  ASSERT_TRUE(info) << info.error().describe();
  std::string node = info->swarm_node_id;
  ASSERT_FALSE(node.empty());
  ASSERT_EQ(*(*mgr)->nodeAvailability(node), "active");

  auto g = guarded.start();
  ASSERT_TRUE(g) << g.error().describe();
  std::string config = dir + "/watch.yaml";
  std::ofstream(config) << "swarm:\n  node: " << node << "\n  managers: [\"" << manager.host() << "\"]\n";
  BackgroundProcess watch({SHIPSHAPE_BINARY, "-H", guarded.host(), "watch", "--state-dir", dir + "/state", "--config",
                           config, "--log-level", "info"});
  ASSERT_TRUE(eventually([&] { return watch.output().find("shipshape watch: engine") != std::string::npos; }, 10s))
      << watch.output();
  ASSERT_TRUE(eventually([&] { return watch.output().find("[events] subscribed") != std::string::npos; }, 10s))
      << watch.output();

  guarded.kill9();
  ASSERT_TRUE(eventually([&] { return (*mgr)->nodeAvailability(node).value_or("") == "drain"; }, 10s))
      << "the node was not drained; watch said:\n" << watch.output();
  SS_ASSERT_OK(guarded.start());
  ASSERT_TRUE(eventually([&] { return (*mgr)->nodeAvailability(node).value_or("") == "active"; }, 15s))
      << "the node was not given back; watch said:\n" << watch.output();

  json incident;
  ASSERT_TRUE(eventually([&] {
    auto run = runProcess({SHIPSHAPE_BINARY, "incidents", "list", "--format", "json", "--state-dir", dir + "/state"});
    for (const auto& i : json::parse(run.exit_code == 0 ? run.out : "[]")) {
      if (i["kind"] == "daemon-down" && !i["resolved_at"].is_null()) incident = i;
    }
    return incident.is_object();
  }, 10s)) << watch.output();
  bool drained = false, restored = false;
  for (const auto& a : incident["actions"]) {
    if (a["kind"] == "swarm-drain" && a["outcome"] == "ok") drained = true;
    if (a["kind"] == "swarm-undrain" && a["outcome"] == "ok") restored = true;
  }
  EXPECT_TRUE(drained) << incident.dump(2);
  EXPECT_TRUE(restored) << incident.dump(2);
  EXPECT_EQ(watch.stop(SIGTERM, 5s), 0);
}

}  // namespace
}  // namespace shipshape::testing
