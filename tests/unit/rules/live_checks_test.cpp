// Live rules on inspect documents recorded from the real engine, plus hand-made daemon and client states.
#include "rules/live_checks.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "docker/parse.h"
#include "support/fixtures.h"

namespace shipshape::rules {
namespace {

std::string fixture(const std::string& name) { return testing::readFixture("engine/v1.41/" + name); }

std::multiset<std::string> rulesFor(const std::vector<Finding>& findings, const std::string& object) {
  std::multiset<std::string> ids;
  for (const auto& f : findings) {
    if (f.location.object_name == object) ids.insert(f.rule_id);
  }
  return ids;
}

LiveSnapshot recordedSnapshot() {
  LiveSnapshot s;
  s.info = *docker::parseInfo(fixture("info.json"));
  s.containers.push_back(*docker::parseContainerInspect(fixture("container_inspect_limits.json")));
  s.containers.push_back(*docker::parseContainerInspect(fixture("container_inspect_unhealthy.json")));
  auto image = *docker::parseImageInspect(fixture("image_inspect.json"));
  s.images[image.id] = image;
  return s;
}

TEST(LiveChecks, RecordedContainers) {
  auto findings = checkLive(recordedSnapshot());
  auto limited = rulesFor(findings, "t1");  // --memory 64m --cpus 0.5 --pids-limit 50, anonymous /data
  EXPECT_FALSE(limited.count("SS101"));
  EXPECT_FALSE(limited.count("SS102"));
  EXPECT_FALSE(limited.count("SS103"));
  EXPECT_TRUE(limited.count("SS301")) << "the image's VOLUME /data is an anonymous volume";
  EXPECT_TRUE(limited.count("SS104"));
  EXPECT_TRUE(limited.count("SS204"));
  EXPECT_FALSE(limited.count("SS401")) << "testapp runs as 65534";
  EXPECT_FALSE(limited.count("SS502")) << "the image has a HEALTHCHECK";
  auto unlimited = rulesFor(findings, "t2");  // no limits, on-failure:3, named volume
  EXPECT_TRUE(unlimited.count("SS101"));
  EXPECT_TRUE(unlimited.count("SS102"));
  EXPECT_TRUE(unlimited.count("SS103"));
  EXPECT_FALSE(unlimited.count("SS301")) << "named volume namedvol";
  EXPECT_FALSE(unlimited.count("SS204")) << "restart on-failure";
  auto daemon = rulesFor(findings, "vm");
  EXPECT_TRUE(daemon.count("SS201")) << "live-restore is off in the recording";
  EXPECT_FALSE(daemon.count("SS202")) << "overlay2 on extfs with d_type";
}

TEST(LiveChecks, DaemonDiskWarningsAndRegistries) {
  LiveSnapshot s;
  s.info.name = "host1";
  s.info.driver = "devicemapper";
  s.info.live_restore_enabled = true;
  s.info.warnings = {"WARNING: No swap limit support"};
  s.info.insecure_registries = {"registry.local:5000"};
  s.data_root_disk = LiveSnapshot::Disk{0.5, 0.92};
  auto ids = rulesFor(checkLive(s), "host1");
  EXPECT_EQ(ids, (std::multiset<std::string>{"SS202", "SS203", "SS205", "SS603"}));
}

TEST(LiveChecks, SwarmNodesAreNotAskedForLiveRestore) {
  LiveSnapshot s;
  s.info.name = "mgr";
  s.info.driver = "overlay2";
  s.info.swarm_local_node_state = "active";
  EXPECT_FALSE(rulesFor(checkLive(s), "mgr").count("SS201"));
}

TEST(LiveChecks, PrivilegeAndMountRules) {
  LiveSnapshot s;
  s.info.driver = "overlay2";
  s.info.live_restore_enabled = true;
  docker::ContainerInspect c;
  c.id = "abc";
  c.name = "bad";
  c.config.image = "app";
  c.config.env = {"DB_PASSWORD=hunter2hunter2", "PATH=/usr/bin"};
  c.host_config.privileged = true;
  c.host_config.network_mode = "host";
  c.host_config.security_opt = {"seccomp=unconfined", "label=disable"};
  c.host_config.cap_add = {"CAP_SYS_ADMIN"};
  c.mounts = {{"bind", "", "/var/run/docker.sock", "/var/run/docker.sock", "", "", true},
              {"bind", "", "/etc", "/host-etc", "", "ro", false}};
  s.containers.push_back(c);
  auto findings = checkLive(s);
  auto ids = rulesFor(findings, "bad");
  for (const char* id : {"SS403", "SS404", "SS405", "SS406", "SS407", "SS408", "SS409", "SS410", "SS401", "SS501"}) {
    EXPECT_TRUE(ids.count(id)) << id;
  }
  for (const auto& f : findings) {
    EXPECT_EQ(f.message.find("hunter2"), std::string::npos) << "secret printed: " << f.message;
    if (f.rule_id == "SS410") {
      EXPECT_EQ(f.severity, Severity::kMedium) << "a read-only /etc still leaks, less so";
    }
  }
}

TEST(LiveChecks, ClientConfigPlaintextAndExpiringTokens) {
  LiveSnapshot s;
  s.info.driver = "overlay2";
  s.info.live_restore_enabled = true;
  s.now_epoch = 1800000000;
  s.client_config_path = "/root/.docker/config.json";
  // payload {"exp":1800003600} -> expires in an hour; {"exp":1700000000} -> expired
  s.client_config = R"({"auths": {
      "registry.example.com": {"auth": "dXNlcjpwYXNz"},
      "ghcr.io": {"identitytoken": "e30.eyJleHAiOjE4MDAwMDM2MDB9.sig"},
      "old.example.com": {"identitytoken": "e30.eyJleHAiOjE3MDAwMDAwMDB9.sig"}},
    "credHelpers": {"ghcr.io": "pass", "old.example.com": "pass"}})";
  auto findings = checkLive(s);
  int plaintext = 0, expiring = 0;
  for (const auto& f : findings) {
    if (f.rule_id == "SS601") {
      ++plaintext;
      EXPECT_NE(f.message.find("registry.example.com"), std::string::npos);
      EXPECT_EQ(f.message.find("dXNlcjpwYXNz"), std::string::npos);
    }
    if (f.rule_id == "SS602") ++expiring;
  }
  EXPECT_EQ(plaintext, 1);
  EXPECT_EQ(expiring, 2);
}

TEST(LiveChecks, DanglingVolumesNameTheirLastComposeOwner) {
  LiveSnapshot s;
  s.info.driver = "overlay2";
  s.info.live_restore_enabled = true;
  docker::Volume full;
  full.name = std::string(64, 'a');
  full.usage = docker::VolumeUsage{5 << 20, 0};
  full.labels = {{"com.docker.compose.project", "shop"}, {"com.docker.compose.service", "db"}};
  docker::Volume empty;
  empty.name = std::string(64, 'b');
  empty.usage = docker::VolumeUsage{0, 0};
  docker::Volume named;
  named.name = "pgdata";
  named.usage = docker::VolumeUsage{1 << 20, 0};
  s.dangling_volumes = {full, empty, named};
  auto findings = checkLive(s);
  ASSERT_EQ(rulesFor(findings, full.name).count("SS304"), 1u);
  EXPECT_TRUE(rulesFor(findings, empty.name).empty()) << "an empty volume loses nothing";
  EXPECT_TRUE(rulesFor(findings, "pgdata").empty()) << "named volumes are kept on purpose";
  for (const auto& f : findings) {
    if (f.rule_id == "SS304") {
      EXPECT_NE(f.message.find("5MiB"), std::string::npos) << f.message;
      EXPECT_NE(f.message.find("project shop service db"), std::string::npos) << f.message;
    }
  }
}

}  // namespace
}  // namespace shipshape::rules
