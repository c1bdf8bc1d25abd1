// The overlay2 corruption case, reproduced for real: the test image is loaded into a private dockerd (no
// registry), a container is created from it, one of its image layers is deleted from the daemon's data-root,
// and the container is started. The start fails with the engine's overlay mount error; `shipshape watch
// --daemon-log` must turn the daemon's log line into an incident with the diagnosis and runbook.
#include <signal.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "support/docker_test_env.h"
#include "support/private_daemon.h"
#include "support/process.h"
#include "support/scoped.h"

namespace shipshape::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

TEST(Overlay2Damage, MissingLayerBecomesADiagnosedIncident) {
  auto main_client = docker::Client::fromEnvironment();
  ASSERT_TRUE(main_client) << main_client.error().describe();
  std::string image_tar;
  auto exported = (*main_client)->exportImage(kTestappImage, [&](std::string_view chunk) {
    image_tar.append(chunk);
    return true;
  });
  ASSERT_TRUE(exported) << exported.error().describe();

  PrivateDaemon daemon;
  auto started = daemon.start();
  ASSERT_TRUE(started) << started.error().describe();
  docker::Client client(daemon.endpoint());
  auto loaded = client.loadImage(image_tar);
  ASSERT_TRUE(loaded) << loaded.error().describe();
  docker::ContainerSpec spec;
  spec.image = kTestappImage;
  spec.network_mode = "none";  // the private daemon runs with --bridge=none
  auto id = client.createContainer(spec, "damaged");
  ASSERT_TRUE(id) << id.error().describe();
  auto inspected = client.inspectContainer(*id);
  ASSERT_TRUE(inspected) << inspected.error().describe();
  std::string lower = inspected->graph_driver_data["LowerDir"];
  ASSERT_FALSE(lower.empty()) << "overlay2 lists the image layers in LowerDir";

  ::shipshape::testing::ScopedTempDir state_holder("overlay2");  // removed even when an assertion fails
  const std::string& state = state_holder.path();
  BackgroundProcess watch({SHIPSHAPE_BINARY, "-H", daemon.host(), "watch", "--state-dir", state, "--daemon-log",
                           daemon.logPath()});
  ASSERT_TRUE(eventually([&] { return watch.output().find("shipshape watch: engine") != std::string::npos; }, 10s));

  // Damage: delete the image's bottom layer ("diff" of the last LowerDir entry), as an unclean shutdown or a
  // filesystem repair might.
  std::string layer = lower.substr(lower.rfind(':') + 1);
  std::error_code ec;
  ASSERT_GT(std::filesystem::remove_all(layer, ec), 0u) << layer << ": " << ec.message();
  auto start = client.startContainer(*id);
  ASSERT_FALSE(start) << "a container on a missing layer cannot start";
  EXPECT_NE(start.error().describe().find("overlay"), std::string::npos) << start.error().describe();

  json incident;
  ASSERT_TRUE(eventually(
      [&] {
        auto run = runProcess({SHIPSHAPE_BINARY, "incidents", "list", "--format", "json", "--state-dir", state});
        if (run.exit_code != 0) return false;
        for (const auto& i : json::parse(run.out)) {
          if (i["kind"] == "daemon-overlay2-mount-missing-layer") incident = i;
        }
        return incident.is_object();
      },
      10s))
      << "watch said:\n" << watch.output() << "\ndaemon log:\n" << daemon.logTail(5);
  EXPECT_EQ(incident["subject"], "daemon");
  ASSERT_FALSE(incident["actions"].empty());
  EXPECT_EQ(incident["actions"][0]["kind"], "diagnose");
  EXPECT_NE(incident["actions"][0]["outcome"].get<std::string>().find("re-pull"), std::string::npos);
  EXPECT_EQ(watch.stop(SIGTERM, 5s), 0);
  EXPECT_TRUE(client.removeContainer(*id, {.force = true}));
}

}  // namespace
}  // namespace shipshape::testing
