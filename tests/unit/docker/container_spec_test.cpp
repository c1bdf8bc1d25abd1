#include "docker/container_spec.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "common/percent_encoding.h"
#include "docker/client.h"
#include "docker/event_watcher.h"

namespace shipshape::docker {
namespace {

using nlohmann::json;

TEST(ContainerSpecJson, MapsLimitsMountsPortsAndHealthcheck) {
  ContainerSpec s;
  s.image = "shipshape/testapp:dev";
  s.env = {"A=1"};
  s.labels = {{"shipshape.autoheal", "true"}};
  s.memory = 64 << 20;
  s.nano_cpus = 500000000;
  s.pids_limit = 50;
  s.restart_policy = {"on-failure", 3};
  s.mounts = {{"volume", "", "/data", false}, {"bind", "/srv/conf", "/conf", true}};
  s.port_bindings = {{"8080/tcp", "127.0.0.1", ""}};
  s.healthcheck = HealthcheckConfig{{"CMD", "/testapp", "probe"}, 2000000000, 0, 0, 3};
  json j = json::parse(containerSpecJson(s));
  EXPECT_EQ(j["Image"], "shipshape/testapp:dev");
  EXPECT_EQ(j["HostConfig"]["Memory"], 64 << 20);
  EXPECT_EQ(j["HostConfig"]["NanoCpus"], 500000000);
  EXPECT_EQ(j["HostConfig"]["PidsLimit"], 50);
  EXPECT_EQ(j["HostConfig"]["RestartPolicy"]["Name"], "on-failure");
  EXPECT_EQ(j["HostConfig"]["RestartPolicy"]["MaximumRetryCount"], 3);
  EXPECT_FALSE(j["HostConfig"]["Mounts"][0].contains("Source")) << "anonymous volume has no source";
  EXPECT_EQ(j["HostConfig"]["Mounts"][1]["ReadOnly"], true);
  EXPECT_EQ(j["HostConfig"]["PortBindings"]["8080/tcp"][0]["HostIp"], "127.0.0.1");
  EXPECT_TRUE(j["ExposedPorts"].contains("8080/tcp")) << "a published port must also be exposed";
  EXPECT_EQ(j["Healthcheck"]["Test"][2], "probe");
  EXPECT_EQ(j["Healthcheck"]["Retries"], 3);
  EXPECT_FALSE(j["HostConfig"].contains("Privileged")) << "defaults are left to the engine";
}

TEST(ResourceUpdateJson, SendsOnlyWhatIsSet) {
  ResourceUpdate u;
  u.memory = 256 << 20;
  u.memory_swap = -1;
  json j = json::parse(resourceUpdateJson(u));
  EXPECT_EQ(j.size(), 2u);
  EXPECT_EQ(j["Memory"], 256 << 20);
  EXPECT_EQ(j["MemorySwap"], -1);
  EXPECT_EQ(json::parse(resourceUpdateJson({})).size(), 0u);
}

TEST(UrlEncode, EscapesEverythingButUnreserved) {
  EXPECT_EQ(percentEncode("a-b_c.d~e"), "a-b_c.d~e");
  EXPECT_EQ(percentEncode("{\"label\":[\"a=b\"]}"), "%7B%22label%22%3A%5B%22a%3Db%22%5D%7D");
  EXPECT_EQ(percentEncode("/data dir"), "%2Fdata%20dir");
}

TEST(FiltersJson, UsesTheArrayForm) {
  EXPECT_EQ(filtersJson({{"label", {"a=b", "c"}}, {"status", {"running"}}}),
            R"({"label":["a=b","c"],"status":["running"]})");
}

TEST(SinceFromNanos, PadsNanoseconds) {
  EXPECT_EQ(sinceFromNanos(1700000000000000005LL), "1700000000.000000005");
  EXPECT_EQ(sinceFromNanos(1700000000123456789LL), "1700000000.123456789");
}

}  // namespace
}  // namespace shipshape::docker
