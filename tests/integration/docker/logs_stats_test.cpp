// Logs (multiplexed and TTY) and stats (one-shot and streamed) against the real engine, with testapp
// made busy and big on purpose.
#include <gtest/gtest.h>

#include "support/docker_test_env.h"
#include "support/http_get.h"

namespace shipshape::testing {
namespace {

using namespace std::chrono_literals;

class LogsStats : public DockerTest {};

TEST_F(LogsStats, MultiplexedLogsKeepStreamsApart) {
  auto spec = testappSpec();
  spec.env = {"APP_VERSION=v7"};
  std::string id = runTestapp("logs", spec);
  std::string err_text, out_text;
  ASSERT_TRUE(eventually(
      [&] {
        err_text.clear();
        out_text.clear();
        auto r = client().logs(id, {}, [&](const docker::LogFrame& f) {
          (f.stream == docker::LogStream::kStderr ? err_text : out_text).append(f.data);
          return true;
        });
        return r && err_text.find("listening") != std::string::npos;
      },
      10s));
  EXPECT_NE(err_text.find("testapp v7 listening on :8080"), std::string::npos) << err_text;
  EXPECT_TRUE(out_text.empty()) << "testapp logs to stderr only: " << out_text;
}

TEST_F(LogsStats, TtyLogsAreRawAndFollowStopsOnRequest) {
  auto spec = testappSpec();
  spec.tty = true;
  std::string id = runTestapp("tty", spec);
  std::string text;
  auto r = client().logs(id, {.follow = true}, [&](const docker::LogFrame& f) {
    text.append(f.data);
    return text.find("listening") == std::string::npos;  // stop once the line is there
  });
  SS_ASSERT_OK(r);
  EXPECT_NE(text.find("listening on :8080"), std::string::npos) << text;
}

TEST_F(LogsStats, StatsSeeCpuBurnAndMemoryGrowth) {
  auto spec = testappSpec();
  spec.memory = 256LL << 20;
  std::string id = runTestapp("busy", spec);
  std::string ip = containerIp(id);
  ASSERT_FALSE(ip.empty());
  SS_ASSERT_OK(httpGetWhenUp("http://" + ip + ":8080/burn?ms=20000&threads=1", 10s));
  SS_ASSERT_OK(httpGetWhenUp("http://" + ip + ":8080/grow?mb=64", 10s));
  double cpu = 0;
  std::uint64_t working_set = 0, limit = 0;
  EXPECT_TRUE(eventually(
      [&] {
        auto s = client().stats(id);
        if (!s) return false;
        cpu = docker::cpuPercent(*s);
        working_set = docker::memoryWorkingSet(*s);
        limit = s->memory_limit;
        return cpu > 50.0 && working_set >= (64u << 20);
      },
      20s))
      << "cpu " << cpu << "% working set " << working_set;
  EXPECT_EQ(limit, 256u << 20);
  EXPECT_LT(cpu, 150.0) << "one burning thread is about one core";
}

TEST_F(LogsStats, StreamedStatsArriveEverySecondUntilStopped) {
  std::string id = runTestapp("stream", testappSpec());
  std::vector<std::string> reads;
  auto r = client().streamStats(
      id,
      [&](const docker::StatsSample& s) {
        reads.push_back(s.read);
        return reads.size() < 3;
      },
      nullptr);
  SS_ASSERT_OK(r);
  ASSERT_EQ(reads.size(), 3u);
  EXPECT_NE(reads[1], reads[2]) << "each sample is a new reading";
}

}  // namespace
}  // namespace shipshape::testing
