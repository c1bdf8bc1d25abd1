// Container, image and volume calls against the real engine.
#include <gtest/gtest.h>

#include "support/docker_test_env.h"
#include "support/http_get.h"

namespace shipshape::testing {
namespace {

using namespace std::chrono_literals;

class Containers : public DockerTest {};

TEST_F(Containers, LifecycleWithLimitsUpdateStopRestartRemove) {
  auto spec = testappSpec();
  spec.memory = 64LL << 20;
  spec.nano_cpus = 500000000;
  spec.pids_limit = 64;
  spec.stop_timeout = 5;
  std::string id = runTestapp("life", spec);
  ASSERT_FALSE(id.empty());

  auto c = client().inspectContainer(id);
  SS_ASSERT_OK(c);
  EXPECT_EQ(c->name, name("life"));
  EXPECT_TRUE(c->state.running);
  EXPECT_EQ(c->host_config.memory, 64LL << 20);
  EXPECT_EQ(c->host_config.nano_cpus, 500000000);
  EXPECT_EQ(*c->host_config.pids_limit, 64);
  EXPECT_TRUE(waitForHealth(id, "healthy", 20s)) << "the image's HEALTHCHECK runs testapp probe";

  docker::ResourceUpdate update;
  update.memory = 128LL << 20;
  update.memory_swap = 256LL << 20;
  update.nano_cpus = 1000000000;
  auto warnings = client().updateContainer(id, update);
  SS_ASSERT_OK(warnings);
  c = client().inspectContainer(id);
  SS_ASSERT_OK(c);
  EXPECT_EQ(c->host_config.memory, 128LL << 20);
  EXPECT_EQ(c->host_config.nano_cpus, 1000000000);

  auto stopped = client().stopContainer(id, 5);
  SS_ASSERT_OK(stopped);
  c = client().inspectContainer(id);
  SS_ASSERT_OK(c);
  EXPECT_EQ(c->state.status, "exited");
  EXPECT_EQ(c->state.exit_code, 0) << "testapp exits cleanly on SIGTERM";
  SS_EXPECT_OK(client().stopContainer(id, 1)) << "stopping a stopped container is not an error";

  SS_ASSERT_OK(client().restartContainer(id, 5));
  c = client().inspectContainer(id);
  SS_ASSERT_OK(c);
  EXPECT_TRUE(c->state.running);

  SS_ASSERT_OK(client().removeContainer(id, {.force = true, .volumes = true}));
  auto gone = client().inspectContainer(id);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
}

TEST_F(Containers, ApiErrorsCarryStatusAndTheDaemonsMessage) {
  auto missing = client().inspectContainer(name("missing"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().http_status, 404);
  EXPECT_NE(missing.error().describe().find("No such container: " + name("missing")), std::string::npos)
      << missing.error().describe();

  auto spec = testappSpec();
  spec.image = "shipshape/does-not-exist:never";
  auto no_image = client().createContainer(spec, name("noimage"));
  ASSERT_FALSE(no_image);
  EXPECT_EQ(no_image.error().code, ErrorCode::kNotFound);
  EXPECT_NE(no_image.error().describe().find("No such image"), std::string::npos) << no_image.error().describe();

  ASSERT_FALSE(runTestapp("dup", testappSpec(), false).empty());
  auto dup = client().createContainer(testappSpec(), name("dup"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict);
  EXPECT_EQ(dup.error().http_status, 409);
}

TEST_F(Containers, FailingHealthEndpointTurnsUnhealthy) {
  auto spec = testappSpec();
  spec.env = {"HEALTH=fail"};
  std::string id = runTestapp("sick", spec);
  EXPECT_TRUE(waitForHealth(id, "unhealthy", 30s));
  auto c = client().inspectContainer(id);
  SS_ASSERT_OK(c);
  ASSERT_TRUE(c->state.health);
  EXPECT_GE(c->state.health->failing_streak, 2);
  EXPECT_NE(c->state.health->last_output.find("503"), std::string::npos) << c->state.health->last_output;
}

TEST_F(Containers, HealthCanBeSwitchedOverHttp) {
  std::string id = runTestapp("switch", testappSpec());
  ASSERT_TRUE(waitForHealth(id, "healthy", 20s));
  std::string ip = containerIp(id);
  ASSERT_FALSE(ip.empty());
  auto r = httpGetWhenUp("http://" + ip + ":8080/health/fail", 10s);
  SS_ASSERT_OK(r);
  EXPECT_TRUE(waitForHealth(id, "unhealthy", 30s));
}

TEST_F(Containers, ListFiltersByLabel) {
  std::string a = runTestapp("a", testappSpec(), false);
  std::string b = runTestapp("b", testappSpec(), false);
  auto list = client().listContainers({.all = true, .filters = {{"label", {std::string(kTestLabel) + "=" + prefix()}}}});
  SS_ASSERT_OK(list);
  ASSERT_EQ(list->size(), 2u);
  std::set<std::string> ids{(*list)[0].id, (*list)[1].id};
  EXPECT_EQ(ids, (std::set<std::string>{a, b}));
  EXPECT_EQ((*list)[0].state, "created");
}

TEST_F(Containers, OneConnectionServesManyRequests) {
  std::string id = runTestapp("reuse", testappSpec(), false);
  for (int i = 0; i < 20; ++i) {
    SS_ASSERT_OK(client().ping());
    SS_ASSERT_OK(client().inspectContainer(id));
  }
  EXPECT_EQ(client().connectionsOpened(), 1) << "the client must keep its connection alive";
}

TEST_F(Containers, DeclaredVolumeBecomesAnAnonymousVolume) {
  std::string id = runTestapp("anon", testappSpec(), false);
  auto c = client().inspectContainer(id);
  SS_ASSERT_OK(c);
  ASSERT_EQ(c->mounts.size(), 1u);
  const auto& m = c->mounts[0];
  EXPECT_EQ(m.type, "volume");
  EXPECT_EQ(m.destination, "/data");
  auto v = client().inspectVolume(m.name);
  SS_ASSERT_OK(v);
  EXPECT_TRUE(v->looksAnonymous());
  SS_ASSERT_OK(client().removeContainer(id, {.force = true, .volumes = true}));
  auto gone = client().inspectVolume(m.name);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound) << "v=1 removes the anonymous volume with the container";
}

TEST_F(Containers, NamedVolumesCreateListInspectRemove) {
  auto created = client().createVolume(name("vol"), testLabels());
  SS_ASSERT_OK(created);
  EXPECT_EQ(created->name, name("vol"));
  EXPECT_FALSE(created->looksAnonymous());
  auto list = client().listVolumes({{"label", {std::string(kTestLabel) + "=" + prefix()}}});
  SS_ASSERT_OK(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].labels.at(kTestLabel), prefix());
  auto spec = testappSpec();
  spec.mounts = {{"volume", name("vol"), "/data", false}};
  std::string id = runTestapp("user", spec, false);
  auto in_use = client().removeVolume(name("vol"));
  ASSERT_FALSE(in_use);
  EXPECT_EQ(in_use.error().code, ErrorCode::kConflict) << in_use.error().describe();
  SS_ASSERT_OK(client().removeContainer(id, {.force = true}));
  SS_ASSERT_OK(client().removeVolume(name("vol")));
}

TEST_F(Containers, TestappImageDeclaresVolumeUserAndHealthcheck) {
  auto image = client().inspectImage(kTestappImage);
  SS_ASSERT_OK(image);
  EXPECT_EQ(image->config.volumes.count("/data"), 1u);
  EXPECT_EQ(image->config.user, "65534:65534");
  ASSERT_TRUE(image->config.healthcheck);
  EXPECT_EQ(image->config.healthcheck->test, (std::vector<std::string>{"CMD", "/testapp", "probe"}));
  auto images = client().listImages();
  SS_ASSERT_OK(images);
  bool found = false;
  for (const auto& i : *images) {
    for (const auto& t : i.repo_tags) found |= t == kTestappImage;
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace shipshape::testing

namespace shipshape::testing {
namespace {

// A container's own StopTimeout sizes the stop/restart request's timeout: a 90 s grace period must not be
// cut off by a 60 s client timeout and recorded as a failed restart (issue: StopTimeout read, not passed).
TEST_F(Containers, StopRequestsWaitForTheContainersOwnStopTimeout) {
  auto spec = testappSpec();
  spec.stop_timeout = 90;
  std::string slow = runTestapp("slow-stop", spec, /*start=*/false);
  EXPECT_EQ(client().stopBudget(slow, std::nullopt), std::chrono::seconds(120));
  EXPECT_EQ(client().stopBudget(slow, 5), std::chrono::seconds(35));
  spec.stop_timeout = -1;
  std::string forever = runTestapp("forever-stop", spec, /*start=*/false);
  EXPECT_GE(client().stopBudget(forever, std::nullopt), std::chrono::hours(1));
}

}  // namespace
}  // namespace shipshape::testing
