// `shipshape top` against the real engine: the busiest container first, containers without limits flagged;
// the ncurses screen drawn in a real terminal (tmux) and left with 'q'.
#include <thread>

#include <gtest/gtest.h>

#include "support/docker_test_env.h"
#include "support/http_get.h"
#include "support/process.h"

namespace shipshape::testing {
namespace {

using namespace std::chrono_literals;

class Top : public DockerTest {};

// The data rows of the table that follow the header line starting with "CONTAINER ID".
std::vector<std::string> rows(const std::string& out) {
  std::vector<std::string> lines;
  std::size_t pos = out.find("CONTAINER ID");
  if (pos == std::string::npos) return lines;
  pos = out.find('\n', pos) + 1;
  while (pos < out.size()) {
    auto nl = out.find('\n', pos);
    lines.push_back(out.substr(pos, nl - pos));
    pos = nl == std::string::npos ? out.size() : nl + 1;
  }
  return lines;
}

TEST_F(Top, SortsByCpuAndFlagsMissingLimits) {
  auto limited = testappSpec();
  limited.memory = 64 << 20;
  limited.nano_cpus = 500000000;
  limited.pids_limit = 50;
  std::string calm = runTestapp("calm", limited);
  std::string busy = runTestapp("busy", testappSpec());
  SS_ASSERT_OK(httpGetWhenUp("http://" + containerIp(busy) + ":8080/burn?ms=5000&threads=1", 10s));
  SS_ASSERT_OK(httpGetWhenUp("http://" + containerIp(calm) + ":8080/health", 10s));
  auto run = runProcess({SHIPSHAPE_BINARY, "top", "--no-stream"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("host CPU"), std::string::npos) << run.out;
  auto lines = rows(run.out);
  ASSERT_FALSE(lines.empty()) << run.out;
  EXPECT_NE(lines[0].find(name("busy")), std::string::npos) << "the burning container comes first:\n" << run.out;
  EXPECT_NE(lines[0].find("no cpu/memory/pids"), std::string::npos) << lines[0];
  bool calm_ok = false;
  for (const auto& l : lines) {
    if (l.find(name("calm")) != std::string::npos) calm_ok = l.find(" ok") != std::string::npos && l.find("64MiB") != std::string::npos;
  }
  EXPECT_TRUE(calm_ok) << run.out;
}

TEST_F(Top, DrawsInATerminalAndQuitsOnQ) {
  std::string busy = runTestapp("shown", testappSpec());
  SS_ASSERT_OK(httpGetWhenUp("http://" + containerIp(busy) + ":8080/health", 10s));
  std::string session = prefix();
  // tmux runs a command given as several arguments directly (no shell).
  auto started = runProcess({"/usr/bin/tmux", "new-session", "-d", "-s", session, "-x", "200", "-y", "40",
                             SHIPSHAPE_BINARY, "top", "--interval", "0.5"});
  ASSERT_EQ(started.exit_code, 0) << "tmux is needed for this test (scripts/install-deps installs it): " << started.err;
  std::string screen;
  bool drawn = eventually([&] {
    screen = runProcess({"/usr/bin/tmux", "capture-pane", "-p", "-t", session}).out;
    return screen.find(name("shown")) != std::string::npos && screen.find("keys:") != std::string::npos;
  }, 10s);
  EXPECT_TRUE(drawn) << screen;
  runProcess({"/usr/bin/tmux", "send-keys", "-t", session, "q"});
  bool quit = eventually([&] { return runProcess({"/usr/bin/tmux", "has-session", "-t", session}).exit_code != 0; }, 5s);
  EXPECT_TRUE(quit) << "top did not exit on q";
  if (!quit) runProcess({"/usr/bin/tmux", "kill-session", "-t", session});
}

}  // namespace
}  // namespace shipshape::testing
