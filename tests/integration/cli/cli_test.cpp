// The shipshape executable as users run it: `ps` and `version`, against the real engine and against
// sockets that are missing or silent.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "support/docker_test_env.h"
#include "support/fixtures.h"
#include "support/process.h"

namespace shipshape::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class Cli : public DockerTest {};

TEST_F(Cli, PsJsonListsEveryContainerWithLimitsAndHealth) {
  auto spec = testappSpec();
  spec.memory = 96LL << 20;
  spec.cpu_quota = 25000;
  spec.cpu_period = 100000;
  spec.pids_limit = 42;
  std::string limited = runTestapp("limited", spec);
  std::string bare = runTestapp("bare", testappSpec(), false);
  ASSERT_TRUE(waitForHealth(limited, "healthy", 20s));

  auto run = runProcess({SHIPSHAPE_BINARY, "ps", "--format", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  json rows = json::parse(run.out);
  auto all = client().listContainers({.all = true});
  SS_ASSERT_OK(all);
  std::set<std::string> expected, listed;
  for (const auto& c : *all) expected.insert(c.id);
  std::map<std::string, json> by_id;
  for (const auto& row : rows) {
    listed.insert(row["id"].get<std::string>());
    by_id[row["id"]] = row;
  }
  // Containers of tests running in parallel may come and go; ours must be there, and nothing invented.
  for (const auto& id : listed) {
    EXPECT_TRUE(expected.count(id) || !client().inspectContainer(id)) << "ps listed an unknown container " << id;
  }
  ASSERT_TRUE(by_id.count(limited));
  ASSERT_TRUE(by_id.count(bare));
  const json& l = by_id[limited];
  EXPECT_EQ(l["limits"]["memory_bytes"], 96LL << 20);
  EXPECT_DOUBLE_EQ(l["limits"]["cpus"].get<double>(), 0.25);
  EXPECT_EQ(l["limits"]["pids"], 42);
  EXPECT_EQ(l["health"], "healthy");
  EXPECT_EQ(l["state"], "running");
  const json& b = by_id[bare];
  EXPECT_EQ(b["limits"]["memory_limited"], false);
  EXPECT_EQ(b["limits"]["cpu_limited"], false);
  EXPECT_EQ(b["state"], "created");
  EXPECT_EQ(b["health"], "none");
}

TEST_F(Cli, PsTableShowsUnlimitedContainers) {
  runTestapp("table", testappSpec(), false);
  auto run = runProcess({SHIPSHAPE_BINARY, "ps", "--filter", "name=" + name("table")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("CONTAINER ID"), std::string::npos);
  EXPECT_NE(run.out.find(name("table")), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("unlimited"), std::string::npos) << run.out;
}

TEST_F(Cli, VersionJsonReportsTheNegotiatedVersion) {
  auto run = runProcess({SHIPSHAPE_BINARY, "version", "--format", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  json j = json::parse(run.out);
  auto negotiated = client().apiVersion();
  SS_ASSERT_OK(negotiated);
  EXPECT_EQ(j["negotiated_api_version"], negotiated->toString());
  EXPECT_FALSE(j["server"]["version"].get<std::string>().empty());
  EXPECT_EQ(j["client"]["version"], SHIPSHAPE_VERSION_FOR_TEST);
}

TEST(CliWithoutEngine, MissingSocketIsOneClearLine) {
  const std::string sock = "/tmp/ss-missing-" + std::to_string(::getpid()) + ".sock";
  auto run = runProcess({SHIPSHAPE_BINARY, "version"}, {"DOCKER_HOST=unix://" + sock}, 10s);
  EXPECT_FALSE(run.timed_out);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_TRUE(run.out.empty()) << run.out;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  EXPECT_NE(run.err.find("unix://" + sock), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("No such file or directory"), std::string::npos) << run.err;
}

TEST(CliWithoutEngine, SilentSocketTimesOutWithinTheBound) {
  const std::string sock = "/tmp/ss-silent-" + std::to_string(::getpid()) + ".sock";
  int fd = bindUnixSocket(sock, /*listen=*/true);  // accepts into the backlog, never answers: a hung daemon
  auto run = runProcess({SHIPSHAPE_BINARY, "-H", "unix://" + sock, "--timeout", "1", "version"}, {}, 15s);
  ::close(fd);
  ::unlink(sock.c_str());
  EXPECT_FALSE(run.timed_out);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_LT(run.elapsed, 5s);
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  EXPECT_NE(run.err.find(sock), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("did not answer"), std::string::npos) << run.err;
}

TEST(CliWithoutEngine, BadUsageExitsTwo) {
  auto run = runProcess({SHIPSHAPE_BINARY, "ps", "--format", "yaml"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_FALSE(run.err.empty());
}

}  // namespace
}  // namespace shipshape::testing
