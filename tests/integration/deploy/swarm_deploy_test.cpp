// A Swarm service deployed through the engine's own rolling update: a private dockerd made a single-node Swarm
// manager (in its own network namespace), the testapp versions loaded into it (no registry), a replicated
// service with endpoint_mode dnsrr (this kernel has no IPVS). A good image completes; an image that fails its
// HEALTHCHECK is rolled back by the engine, and shipshape says so with exit code 1 and the ledger.
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "docker/client.h"
#include "support/docker_test_env.h"
#include "support/private_daemon.h"
#include "support/process.h"
#include "support/scoped.h"

namespace shipshape::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

ProcessResult dockerCli(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/local/bin/docker"};
  if (!std::filesystem::exists(argv[0])) argv[0] = "/usr/bin/docker";
  argv.insert(argv.end(), args.begin(), args.end());
  return runProcess(argv, {}, 120s);
}

TEST(SwarmDeploy, GoodUpdateCompletesAndAnUnhealthyImageIsRolledBackWithExitCode1) {
  auto built = runProcess({SHIPSHAPE_SOURCE_DIR "/scripts/build-testapp-versions", kTestappImage}, {}, 120s);
  ASSERT_EQ(built.exit_code, 0) << built.err;
  ::shipshape::testing::ScopedTempDir state_holder("swarm-deploy");  // removed even when an assertion fails
  const std::string& state = state_holder.path();
  PrivateDaemon manager;
  SS_ASSERT_OK(manager.start());
  auto init = dockerCli({"-H", manager.host(), "swarm", "init", "--advertise-addr", "127.0.0.1"});
  ASSERT_EQ(init.exit_code, 0) << init.err << manager.logTail();

  auto local = docker::Client::fromEnvironment();
  auto mgr = docker::Client::fromEnvironment(manager.host());
  ASSERT_TRUE(local && mgr);
  for (const char* tag : {"shipshape/testapp:v1", "shipshape/testapp:v2", "shipshape/testapp:bad"}) {
    std::string tar;
    SS_ASSERT_OK((*local)->exportImage(tag, [&](std::string_view chunk) {
      tar.append(chunk);
      return true;
    }));
    SS_ASSERT_OK((*mgr)->loadImage(std::move(tar)));
  }
  auto created = dockerCli({"-H", manager.host(), "service", "create", "--detach", "--name", "web", "--replicas", "2",
                            "--endpoint-mode", "dnsrr", "--label", "shipshape.bake=3s", "shipshape/testapp:v1"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  auto running = [&](const std::string& image) {
    auto tasks = (*mgr)->serviceTasksJson("web");
    if (!tasks) return 0;
    int n = 0;
    for (const auto& t : json::parse(*tasks)) {
      if (t["Status"]["State"] == "running" && t["DesiredState"] == "running" &&
          t["Spec"]["ContainerSpec"]["Image"].get<std::string>().starts_with(image)) {
        ++n;
      }
    }
    return n;
  };
  ASSERT_TRUE(eventually([&] { return running("shipshape/testapp:v1") == 2; }, 60s)) << manager.logTail();

  auto shipshape = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {SHIPSHAPE_BINARY, "-H", manager.host()});
    args.insert(args.end(), {"--state-dir", state});
    return runProcess(args, {}, 180s);
  };
  auto good = shipshape({"deploy", "web", "--image", "shipshape/testapp:v2"});
  ASSERT_EQ(good.exit_code, 0) << good.err;
  EXPECT_NE(good.err.find("start-first"), std::string::npos) << good.err;
  EXPECT_EQ(running("shipshape/testapp:v2"), 2);

  auto bad = shipshape({"deploy", "web", "--image", "shipshape/testapp:bad"});
  EXPECT_EQ(bad.exit_code, 1) << bad.err;  // `docker service update` would exit 0 here
  EXPECT_NE(bad.err.find("rollback_completed"), std::string::npos) << bad.err;
  auto spec = json::parse(*(*mgr)->inspectServiceJson("web"));
  EXPECT_EQ(spec["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"], "shipshape/testapp:v2");
  EXPECT_EQ(spec["Spec"]["UpdateConfig"]["Order"], "start-first");
  EXPECT_EQ(spec["Spec"]["UpdateConfig"]["FailureAction"], "rollback");

  auto ledger = shipshape({"releases", "web", "--format", "json"});
  ASSERT_EQ(ledger.exit_code, 0) << ledger.err;
  auto rows = json::parse(ledger.out);
  ASSERT_EQ(rows.size(), 3u) << rows.dump(2);
  EXPECT_EQ(rows[0]["outcome"], "superseded");  // v1, running before the first deploy
  EXPECT_EQ(rows[1]["outcome"], "promoted");
  EXPECT_EQ(rows[2]["outcome"], "rolled_back");
  EXPECT_FALSE(rows[2]["time_to_rollback_ms"].is_null());

  // Back to v1 through the same update path, exactly as it ran.
  auto rollback = shipshape({"rollback", "web", "--to", "1"});
  EXPECT_EQ(rollback.exit_code, 0) << rollback.err;
  EXPECT_TRUE(eventually([&] { return running("shipshape/testapp:v1") == 2; }, 30s));
}

}  // namespace
}  // namespace shipshape::testing
