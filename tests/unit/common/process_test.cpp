#include "common/process.h"

#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "support/fixtures.h"
#include "support/scoped.h"

namespace shipshape {
namespace {

using namespace std::chrono_literals;
using testing::ScopedTempDir;

// Alive = /proc/PID exists and is not a zombie (nobody may reap a reparented child here).
bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  std::string line;
  std::getline(stat, line);
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

TEST(RunCommand, GetsAMinimalEnvironmentNotShipshapes) {
  ScopedTempDir dir("process-env");
  ::setenv("SHIPSHAPE_LISTEN_TOKEN", "s3cr3t-token", 1);
  ::setenv("DOCKER_HOST", "tcp://10.0.0.1:2376", 1);
  auto r = runCommand({"/bin/sh", "-c", "env > " + dir / "env"}, {{"SHIPSHAPE_EVENT", "drain"}}, 5s);
  ::unsetenv("SHIPSHAPE_LISTEN_TOKEN");
  ::unsetenv("DOCKER_HOST");
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.exit_code, 0);
  std::string env = testing::readText(dir / "env");
  EXPECT_EQ(env.find("s3cr3t-token"), std::string::npos) << env;
  EXPECT_EQ(env.find("DOCKER_HOST"), std::string::npos) << env;
  EXPECT_NE(env.find("SHIPSHAPE_EVENT=drain"), std::string::npos) << env;
  EXPECT_NE(env.find("PATH=/usr/local/sbin:"), std::string::npos) << env;
}

TEST(RunCommand, TimeoutKillsTheWholeProcessGroup) {
  ScopedTempDir dir("process-group");
  std::string pidfile = dir / "child.pid";
  auto r = runCommand({"/bin/sh", "-c", "sleep 30 & echo $! > " + pidfile + "; wait"}, {}, 300ms);
  EXPECT_TRUE(r.started);
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(r.duration_ms, 5000);
  std::string text = testing::readText(pidfile);
  ASSERT_FALSE(text.empty());
  pid_t child = std::stoi(text);
  auto deadline = std::chrono::steady_clock::now() + 2s;
  while (alive(child) && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  EXPECT_FALSE(alive(child)) << "the hook's own child outlived the timeout";
  if (alive(child)) ::kill(child, SIGKILL);
}

TEST(RunCommand, ReportsWhyACommandDidNotStart) {
  auto r = runCommand({"/nonexistent/hook"}, {}, 1s);
  EXPECT_FALSE(r.started);
  EXPECT_NE(describeCommand({"/nonexistent/hook"}, r).find("could not start"), std::string::npos);
}

}  // namespace
}  // namespace shipshape
