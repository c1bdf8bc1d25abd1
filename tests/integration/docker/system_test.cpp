// Version negotiation, /info and /system/df against the real engine.
#include <gtest/gtest.h>

#include "docker/api_version.h"
#include "support/docker_test_env.h"

namespace shipshape::testing {
namespace {

class System : public DockerTest {};

TEST_F(System, NegotiatesTheOlderOfBothVersions) {
  auto pong = client().ping();
  SS_ASSERT_OK(pong);
  auto server = docker::ApiVersion::parse(pong->api_version);
  ASSERT_TRUE(server) << pong->api_version;
  auto negotiated = client().apiVersion();
  SS_ASSERT_OK(negotiated);
  EXPECT_EQ(*negotiated, std::min(*server, docker::kMaxApiVersion));
  EXPECT_GE(*negotiated, docker::kMinApiVersion);
  auto version = client().version();
  SS_ASSERT_OK(version);
  EXPECT_FALSE(version->version.empty());
  EXPECT_EQ(version->api_version, pong->api_version);
}

TEST_F(System, PinnedVersionSkipsNegotiation) {
  docker::ClientOptions options;
  options.pinned_version = docker::kMinApiVersion;
  docker::Client pinned(client().endpoint(), options);
  auto v = pinned.apiVersion();
  SS_ASSERT_OK(v);
  EXPECT_EQ(*v, docker::kMinApiVersion);
  SS_EXPECT_OK(pinned.info());
}

TEST_F(System, InfoDescribesTheDaemon) {
  auto info = client().info();
  SS_ASSERT_OK(info);
  EXPECT_FALSE(info->server_version.empty());
  EXPECT_FALSE(info->driver.empty());
  EXPECT_FALSE(info->docker_root_dir.empty());
  EXPECT_GT(info->ncpu, 0);
  EXPECT_GT(info->mem_total, 0);
  EXPECT_TRUE(info->cgroup_version == "1" || info->cgroup_version == "2") << info->cgroup_version;
}

TEST_F(System, DiskUsageSeesOurVolume) {
  auto created = client().createVolume(name("df"), testLabels());
  SS_ASSERT_OK(created);
  auto df = client().diskUsage();
  SS_ASSERT_OK(df);
  bool found = false;
  for (const auto& v : df->volumes) {
    if (v.name == name("df")) {
      found = true;
      ASSERT_TRUE(v.usage);
      EXPECT_EQ(v.usage->ref_count, 0);
    }
  }
  EXPECT_TRUE(found);
  EXPECT_GT(df->layers_size, 0) << "the testapp image has a layer";
}

}  // namespace
}  // namespace shipshape::testing
