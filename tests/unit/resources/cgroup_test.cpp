#include "resources/cgroup.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "common/file.h"
#include "support/fixtures.h"

namespace shipshape::resources {
namespace {

namespace fs = std::filesystem;
const std::string kId = "d93dac305792fd8911908a89f6fc4da657adb77db133e0011e45c1774fbdbe87";

std::string fixtureDir(const std::string& v) { return std::string(SHIPSHAPE_FIXTURES_DIR) + "/cgroup/" + v; }

// A cgroup v1 hierarchy under a temp root with the recorded files at <controller>/<relative>/.
std::string makeV1Tree(const std::string& relative) {
  std::string root = ::testing::TempDir() + "/ss-cg1-" + std::to_string(::getpid());
  fs::remove_all(root);
  for (const char* controller : {"cpuacct", "cpu", "memory", "pids", "blkio"}) {
    fs::create_directories(root + "/" + controller + "/" + relative);
    for (const auto& f : fs::directory_iterator(fixtureDir("v1") + "/" + controller)) {
      fs::copy_file(f.path(), root + "/" + controller + "/" + relative + "/" + f.path().filename().string());
    }
  }
  return root;
}

TEST(CgroupFiles, ParsesTheRecordedV1Files) {
  std::uint64_t stat[4];
  scanFlatKeyed(*readFile(fixtureDir("v1") + "/memory/memory.stat"),
                {"rss", "total_rss", "hierarchical_memory_limit", "no_such_key"}, stat);
  EXPECT_EQ(stat[0], 102400u);
  EXPECT_EQ(stat[1], 102400u) << "a container cgroup has no children: totals equal its own";
  EXPECT_EQ(stat[2], 9223372036854771712u) << "a line far down the file";
  EXPECT_EQ(stat[3], 0u) << "a missing key reads 0";
  EXPECT_EQ(parseLimit(*readFile(fixtureDir("v1") + "/memory/memory.limit_in_bytes")), 0u) << "LONG_MAX page = none";
  EXPECT_EQ(parseLimit("max\n"), 0u);
  EXPECT_EQ(parseLimit("268435456\n"), 268435456u);
  EXPECT_EQ(parseNumber("1112841462\n"), 1112841462u);
}

TEST(CgroupFiles, SumsBlockIoOverDevicesInBothFormats) {
  IoBytes v1 = parseBlkioServiceBytes("8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Total 12288\n8:16 Read 100\nTotal 12388\n");
  EXPECT_EQ(v1.read, 4196u);
  EXPECT_EQ(v1.write, 8192u);
  IoBytes v2 = parseIoStat(*readFile(fixtureDir("v2") + "/io.stat"));
  EXPECT_EQ(v2.read, 1048576u + 4096u);
  EXPECT_EQ(v2.write, 2097152u);
}

TEST(CgroupFiles, NetDevSkipsLoopbackAndReadsBothDirections) {
  NetBytes n = parseNetDev(
      "Inter-|   Receive |  Transmit\n face |bytes packets errs drop fifo frame compressed multicast|bytes ...\n"
      "    lo:  999 9 0 0 0 0 0 0  999 9 0 0 0 0 0 0\n"
      "  eth0: 200 2 0 0 0 0 0 0 300 3 0 0 0 0 0 0\n"
      "  eth1:50 1 0 0 0 0 0 0 70 1 0 0 0 0 0 0\n");
  EXPECT_EQ(n.rx, 250u);
  EXPECT_EQ(n.tx, 370u);
  NetBytes recorded = parseNetDev(*readFile(fixtureDir("v1") + "/net_dev"));
  EXPECT_GT(recorded.rx, 0u);
}

TEST(CgroupFiles, HostCpuAndMemory) {
  HostCpu cpu = parseProcStat("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\ncpu1 50 0 25 400 25 0 0 0 0 0\nintr 1\n");
  EXPECT_EQ(cpu.cores, 2);
  EXPECT_EQ(cpu.total_ticks, 1000u);
  EXPECT_EQ(cpu.busy_ticks, 150u) << "idle and iowait are not busy";
  HostCpu recorded = parseProcStat(*readFile(fixtureDir("v1") + "/proc_stat"));
  EXPECT_EQ(recorded.cores, 2);
  HostMemory mem = parseMeminfo("MemTotal:       1000 kB\nMemFree:  10 kB\nMemAvailable:    250 kB\n");
  EXPECT_EQ(mem.total, 1024000u);
  EXPECT_EQ(mem.available, 256000u);
}

TEST(CgroupReader, FindsTheCgroupfsDriversPathAndReadsV1) {
  std::string root = makeV1Tree("docker/" + kId);
  HostPaths host{.cgroup_root = root, .proc_root = "/nonexistent", .version = CgroupVersion::kV1};
  auto reader = CgroupReader::open(host, {.id = kId});
  ASSERT_TRUE(reader) << reader.error().describe();
  EXPECT_EQ((*reader)->path(), "docker/" + kId);
  auto s = (*reader)->read();
  ASSERT_TRUE(s) << s.error().describe();
  std::uint64_t mem[2];
  scanFlatKeyed(*readFile(fixtureDir("v1") + "/memory/memory.stat"), {"total_inactive_file", "total_rss"}, mem);
  std::uint64_t usage = parseNumber(*readFile(fixtureDir("v1") + "/memory/memory.usage_in_bytes"));
  EXPECT_EQ(s->memory_usage, usage);
  EXPECT_EQ(s->memory_working_set, usage - mem[0]);
  EXPECT_EQ(s->memory_rss, mem[1]);
  EXPECT_EQ(s->memory_limit, 0u);
  EXPECT_EQ(s->cpu_usage_ns, parseNumber(*readFile(fixtureDir("v1") + "/cpuacct/cpuacct.usage")));
  EXPECT_EQ(s->cpu_periods, 174u);
  EXPECT_EQ(s->cpu_throttled_periods, 64u);
  EXPECT_EQ(s->cpu_throttled_ns, 6063341474u);
  EXPECT_EQ(s->pids_limit, 0u) << "pids.max 'max' = none";
  EXPECT_FALSE(s->has_net) << "no pid given";
  fs::remove_all(root);
}

TEST(CgroupReader, FindsSystemdScopesAndExpandsNestedSlices) {
  std::string root = makeV1Tree("my.slice/my-app.slice/docker-" + kId + ".scope");
  HostPaths host{.cgroup_root = root, .proc_root = "/nonexistent", .version = CgroupVersion::kV1};
  auto found = locateCgroup(host, {.id = kId, .cgroup_parent = "my-app.slice"});
  ASSERT_TRUE(found) << found.error().describe();
  EXPECT_EQ(*found, "my.slice/my-app.slice/docker-" + kId + ".scope");
  auto missing = locateCgroup(host, {.id = "0123456789ab0123"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("0123456789ab"), std::string::npos) << missing.error().message;
  fs::remove_all(root);
}

TEST(CgroupReader, ReadsTheUnifiedHierarchy) {
  std::string root = ::testing::TempDir() + "/ss-cg2-" + std::to_string(::getpid());
  fs::remove_all(root);
  std::string dir = root + "/system.slice/docker-" + kId + ".scope";
  fs::create_directories(dir);
  for (const auto& f : fs::directory_iterator(fixtureDir("v2"))) fs::copy_file(f.path(), dir + "/" + f.path().filename().string());
  { std::ofstream(root + "/cgroup.controllers") << "cpu io memory pids\n"; }
  HostPaths host = HostPaths::detect("");
  host.cgroup_root = root;
  host.version = CgroupVersion::kV2;
  auto reader = CgroupReader::open(host, {.id = kId});
  ASSERT_TRUE(reader) << reader.error().describe();
  auto s = (*reader)->read();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->cpu_usage_ns, 8123456000u);
  EXPECT_EQ(s->cpu_periods, 500u);
  EXPECT_EQ(s->cpu_throttled_periods, 125u);
  EXPECT_EQ(s->cpu_throttled_ns, 3500000000u);
  EXPECT_EQ(s->memory_usage, 157286400u);
  EXPECT_EQ(s->memory_limit, 268435456u);
  EXPECT_EQ(s->memory_working_set, 157286400u - 41943040u);
  EXPECT_EQ(s->memory_rss, 104857600u);
  EXPECT_EQ(s->memory_cache, 52428800u);
  EXPECT_EQ(s->oom_kills, 2u);
  EXPECT_EQ(s->memory_failcnt, 17u);
  EXPECT_EQ(s->pids, 7u);
  EXPECT_EQ(s->io.read, 1052672u);
  fs::remove_all(root);
}

TEST(HostPaths, DetectsTheVersionUnderAHostRoot) {
  std::string root = ::testing::TempDir() + "/ss-hostroot-" + std::to_string(::getpid());
  fs::remove_all(root);
  fs::create_directories(root + "/sys/fs/cgroup");
  fs::create_directories(root + "/proc");
  EXPECT_EQ(HostPaths::detect(root).version, CgroupVersion::kV1);
  { std::ofstream(root + "/sys/fs/cgroup/cgroup.controllers") << "cpu memory\n"; }
  HostPaths h = HostPaths::detect(root);
  EXPECT_EQ(h.version, CgroupVersion::kV2);
  EXPECT_EQ(h.cgroup_root, root + "/sys/fs/cgroup");
  EXPECT_EQ(h.proc_root, root + "/proc");
  fs::remove_all(root);
}

}  // namespace
}  // namespace shipshape::resources
