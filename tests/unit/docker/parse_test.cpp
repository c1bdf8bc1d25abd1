// Parsing of responses recorded from a real engine (Docker 20.10.24, API 1.41) in tests/fixtures/engine/v1.41.
#include "docker/parse.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "support/fixtures.h"

namespace shipshape::docker {
namespace {

std::string fixture(const std::string& name) { return testing::readFixture("engine/v1.41/" + name); }

TEST(ParseVersion, RecordedEngine) {
  auto v = parseVersion(fixture("version.json"));
  ASSERT_TRUE(v) << v.error().describe();
  EXPECT_EQ(v->version, "20.10.24+dfsg1");
  EXPECT_EQ(v->api_version, "1.41");
  EXPECT_EQ(v->min_api_version, "1.12");
  EXPECT_EQ(v->os, "linux");
  EXPECT_EQ(v->components.count("containerd"), 1u);
}

TEST(ParseInfo, DriverStatusAndDaemonSettings) {
  auto i = parseInfo(fixture("info.json"));
  ASSERT_TRUE(i) << i.error().describe();
  EXPECT_EQ(i->driver, "overlay2");
  ASSERT_GE(i->driver_status.size(), 2u);
  EXPECT_EQ(i->driver_status[0], (std::pair<std::string, std::string>{"Backing Filesystem", "extfs"}));
  EXPECT_EQ(i->docker_root_dir, "/var/lib/docker");
  EXPECT_EQ(i->cgroup_version, "1");
  EXPECT_FALSE(i->live_restore_enabled);
  EXPECT_EQ(i->containers, 3);
  EXPECT_TRUE(i->warnings.empty()) << "Warnings is null in the recording";
  EXPECT_EQ(i->swarm_local_node_state, "inactive");
}

TEST(ParseContainerList, NamesStatesAndLabels) {
  auto list = parseContainerList(fixture("containers_list.json"));
  ASSERT_TRUE(list) << list.error().describe();
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].name, "t3");
  EXPECT_EQ((*list)[0].state, "created");
  EXPECT_EQ((*list)[1].status, "Up 10 seconds (unhealthy)");
  EXPECT_EQ((*list)[1].labels.at("app"), "demo");
  EXPECT_EQ((*list)[2].id.size(), 64u);
}

TEST(ParseContainerInspect, LimitsHealthAndImageConfig) {
  auto c = parseContainerInspect(fixture("container_inspect_limits.json"));
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_EQ(c->name, "t1");
  EXPECT_EQ(c->host_config.memory, 64LL << 20);
  EXPECT_EQ(c->host_config.nano_cpus, 500000000);
  EXPECT_EQ(c->host_config.effectiveNanoCpus(), 500000000);
  ASSERT_TRUE(c->host_config.pids_limit);
  EXPECT_EQ(*c->host_config.pids_limit, 50);
  EXPECT_EQ(c->healthStatus(), "healthy");
  EXPECT_TRUE(c->state.running);
  EXPECT_EQ(c->config.user, "65534:65534");
  EXPECT_EQ(c->config.volumes.count("/data"), 1u);
  ASSERT_TRUE(c->config.healthcheck);
  EXPECT_EQ(c->config.healthcheck->test, (std::vector<std::string>{"CMD", "/testapp", "probe"}));
  ASSERT_EQ(c->mounts.size(), 1u);
  EXPECT_EQ(c->mounts[0].type, "volume");
  EXPECT_EQ(c->mounts[0].destination, "/data");
  EXPECT_EQ(c->mounts[0].name.size(), 64u) << "an anonymous volume";
  ASSERT_FALSE(c->networks.empty());
  EXPECT_EQ(c->networks[0].network, "bridge");
  EXPECT_FALSE(c->networks[0].ip_address.empty());
}

TEST(ParseContainerInspect, UnhealthyWithRestartPolicyAndNamedVolume) {
  auto c = parseContainerInspect(fixture("container_inspect_unhealthy.json"));
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_EQ(c->healthStatus(), "unhealthy");
  ASSERT_TRUE(c->state.health);
  EXPECT_GE(c->state.health->failing_streak, 2);
  EXPECT_EQ(c->host_config.restart_policy.name, "on-failure");
  EXPECT_EQ(c->host_config.restart_policy.maximum_retry_count, 3);
  EXPECT_EQ(c->host_config.memory, 0) << "no limit";
  EXPECT_FALSE(c->host_config.hasPidsLimit());
  ASSERT_EQ(c->mounts.size(), 1u);
  EXPECT_EQ(c->mounts[0].name, "namedvol");
}

TEST(ParseContainerInspect, CpuQuotaCountsAsCpuLimit) {
  auto c = parseContainerInspect(fixture("container_inspect_created.json"));
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_EQ(c->state.status, "created");
  EXPECT_EQ(c->healthStatus(), "none") << "created, never started: no health yet";
  EXPECT_EQ(c->host_config.nano_cpus, 0);
  EXPECT_EQ(c->host_config.effectiveNanoCpus(), 500000000);
}

TEST(ParseImages, ListAndInspect) {
  auto list = parseImageList(fixture("images_list.json"));
  ASSERT_TRUE(list) << list.error().describe();
  ASSERT_FALSE(list->empty());
  EXPECT_EQ((*list)[0].repo_tags, (std::vector<std::string>{"shipshape/testapp:dev"}));
  auto image = parseImageInspect(fixture("image_inspect.json"));
  ASSERT_TRUE(image) << image.error().describe();
  EXPECT_EQ(image->config.volumes.count("/data"), 1u);
  EXPECT_EQ(image->config.user, "65534:65534");
  ASSERT_TRUE(image->config.healthcheck);
  EXPECT_EQ(image->config.healthcheck->interval_ns, 2000000000);
  EXPECT_EQ(image->config.healthcheck->retries, 2);
}

TEST(ParseVolumes, AnonymousAndNamed) {
  auto vols = parseVolumeList(fixture("volumes_list.json"));
  ASSERT_TRUE(vols) << vols.error().describe();
  ASSERT_EQ(vols->size(), 3u);
  int anonymous = 0;
  for (const auto& v : *vols) anonymous += v.looksAnonymous();
  EXPECT_EQ(anonymous, 2);
  for (const auto& v : *vols) {
    if (v.name == "namedvol") {
      EXPECT_FALSE(v.looksAnonymous());
    }
  }
}

TEST(ParseDiskUsage, LayersVolumesAndContainers) {
  auto df = parseDiskUsage(fixture("system_df.json"));
  ASSERT_TRUE(df) << df.error().describe();
  EXPECT_GT(df->layers_size, 0);
  EXPECT_EQ(df->volumes.size(), 3u);
  ASSERT_TRUE(df->volumes[0].usage);
  EXPECT_EQ(df->volumes[0].usage->ref_count, 1);
  EXPECT_EQ(df->containers.size(), 3u);
}

TEST(ParseEvent, EveryRecordedLineParses) {
  std::istringstream lines(fixture("events.jsonl"));
  int count = 0, health = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    auto e = parseEvent(line);
    ASSERT_TRUE(e) << e.error().describe() << " in: " << line;
    EXPECT_GT(e->time_nano, 0);
    EXPECT_EQ(e->time, e->time_nano / 1000000000LL);
    if (e->action.rfind("health_status: ", 0) == 0) {
      ++health;
      EXPECT_EQ(e->type, "container");
      EXPECT_FALSE(e->attributes.at("name").empty());
    }
    ++count;
  }
  EXPECT_GT(count, 10);
  EXPECT_GT(health, 0);
}

TEST(ParseEvent, RejectsGarbage) {
  EXPECT_FALSE(parseEvent("{\"Action\":\"start\"}"));
  EXPECT_FALSE(parseEvent("not json"));
}

// Found by fuzz_engine: a `time` whose nanoseconds overflow int64 (signed overflow, undefined behaviour), and
// out-of-range floats cast to integers.
TEST(ParseEvent, OutOfRangeTimesAreNotUndefinedBehaviour) {
  auto e = parseEvent(R"({"Type":"container","Action":"start","time":9675165646})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->time_nano, 0);
  auto f = parseEvent(R"({"Type":"container","Action":"start","time":1e300,"timeNano":-1e300})");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->time, 0);
}

TEST(ParseStats, CpuPercentAndWorkingSetAsDockerStats) {
  auto s = parseStats(fixture("stats.json"));
  ASSERT_TRUE(s) << s.error().describe();
  EXPECT_EQ(s->online_cpus, 2u);
  EXPECT_EQ(s->memory_limit, 64u << 20);
  EXPECT_EQ(s->pids_limit, 50u);
  EXPECT_GT(s->precpu_system, 0u) << "stream=0 fills the previous reading";
  double cpu = cpuPercent(*s);
  EXPECT_GE(cpu, 0.0);
  EXPECT_LE(cpu, 200.0);
  EXPECT_LE(memoryWorkingSet(*s), s->memory_usage);
}

TEST(CpuPercent, MatchesTheDockerCliFormula) {
  StatsSample s;
  s.precpu_total = 1000;
  s.cpu_total = 1000 + 500'000'000;  // the container used 0.5 s of CPU...
  s.precpu_system = 0;
  s.cpu_system = 2'000'000'000;  // ...while 2 CPUs ran for 1 s
  s.online_cpus = 2;
  EXPECT_DOUBLE_EQ(cpuPercent(s), 50.0);
  s.cpu_system = 0;
  EXPECT_DOUBLE_EQ(cpuPercent(s), 0.0) << "no system delta: no reading, not a division by zero";
}

TEST(MemoryWorkingSet, SubtractsInactiveFileOnV1AndV2) {
  StatsSample v1;
  v1.memory_usage = 100 << 20;
  v1.memory_stats = {{"total_inactive_file", 30 << 20}, {"cache", 40 << 20}};
  EXPECT_EQ(memoryWorkingSet(v1), 70u << 20);
  StatsSample v2;
  v2.memory_usage = 100 << 20;
  v2.memory_stats = {{"inactive_file", 10 << 20}};
  EXPECT_EQ(memoryWorkingSet(v2), 90u << 20);
  StatsSample odd;
  odd.memory_usage = 5;
  odd.memory_stats = {{"inactive_file", 10}};
  EXPECT_EQ(memoryWorkingSet(odd), 5u) << "never underflows";
}

TEST(ParsePathStatHeader, DecodesTheRecordedHeader) {
  std::string line = fixture("archive_head.txt");
  std::string value = line.substr(line.find(' ') + 1);
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  auto stat = parsePathStatHeader(value);
  ASSERT_TRUE(stat) << stat.error().describe();
  EXPECT_EQ(stat->name, "data");
  EXPECT_EQ(stat->size, 4096);
  EXPECT_TRUE(stat->mode & 0x80000000u) << "Go's os.ModeDir bit";
}

TEST(ParseErrorMessage, DaemonMessageOrRawBody) {
  EXPECT_EQ(parseErrorMessage(fixture("error_404.json")), "No such container: nope");
  EXPECT_EQ(parseErrorMessage("page not found\n"), "page not found");
  EXPECT_EQ(parseErrorMessage(""), "(no message)");
}

TEST(ParseErrors, WrongShapesAreProtocolErrors) {
  auto r = parseContainerList("{\"not\":\"an array\"}");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kProtocol);
  EXPECT_FALSE(parseContainerInspect("{}"));
  EXPECT_FALSE(parseVersion("[1,2"));
}

}  // namespace
}  // namespace shipshape::docker
