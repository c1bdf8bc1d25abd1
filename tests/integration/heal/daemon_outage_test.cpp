// A real daemon outage: a private dockerd is killed with SIGKILL while `shipshape watch` guards it, then
// started again. The guardian must open a daemon-down incident within 2 s, run the drain hook (as an argv,
// no shell), and on the daemon's return run the undrain hook and close the incident within 2 s with the
// downtime measured.
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "common/format.h"
#include "support/docker_test_env.h"
#include "support/fixtures.h"
#include "support/private_daemon.h"
#include "support/process.h"
#include "support/scoped.h"

namespace shipshape::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

TEST(DaemonOutage, IncidentHooksAndMeasuredDowntime) {
  ::shipshape::testing::ScopedTempDir dir_holder("outage");  // removed even when an assertion fails
  const std::string& dir = dir_holder.path();
  std::filesystem::create_directories(dir);
  std::string hooks_log = dir + "/hooks.log";
  for (const char* kind : {"drain", "undrain"}) {
    std::string script = dir + "/" + kind + ".sh";
    std::ofstream(script) << "#!/bin/sh\necho \"$SHIPSHAPE_EVENT $SHIPSHAPE_INCIDENT_ID\" >> " << hooks_log << "\n";
    ::chmod(script.c_str(), 0755);
  }

  PrivateDaemon daemon;
  auto started = daemon.start();
  ASSERT_TRUE(started) << started.error().describe();
  BackgroundProcess watch({SHIPSHAPE_BINARY, "-H", daemon.host(), "watch", "--state-dir", dir + "/state",
                           "--drain-hook", dir + "/drain.sh", "--undrain-hook", dir + "/undrain.sh", "--log-level",
                           "info"});
  ASSERT_TRUE(eventually([&] { return watch.output().find("shipshape watch: engine") != std::string::npos; }, 10s))
      << watch.output();
  ASSERT_TRUE(eventually([&] { return watch.output().find("[events] subscribed") != std::string::npos; }, 10s))
      << watch.output();

  auto outage = [&]() -> json {
    auto run = runProcess({SHIPSHAPE_BINARY, "incidents", "list", "--format", "json", "--state-dir", dir + "/state"});
    if (run.exit_code != 0) return nullptr;
    for (const auto& i : json::parse(run.out)) {
      if (i["kind"] == "daemon-down") return i;
    }
    return nullptr;
  };

  std::int64_t killed_at = nowMs();
  daemon.kill9();
  json incident;
  ASSERT_TRUE(eventually([&] { return (incident = outage()).is_object(); }, 15s)) << watch.output();
  std::int64_t opened = parseRfc3339Ms(incident["opened_at"].get<std::string>());
  EXPECT_LT(opened - killed_at, 2000) << "the outage must be detected within 2 s";
  EXPECT_TRUE(incident["resolved_at"].is_null());
  ASSERT_TRUE(eventually([&] { return readText(hooks_log).find("drain ") == 0; }, 10s)) << readText(hooks_log);
  EXPECT_NE(readText(hooks_log).find("drain " + std::to_string(incident["id"].get<int>())), std::string::npos);

  std::this_thread::sleep_for(1s);
  auto restarted = daemon.start();
  ASSERT_TRUE(restarted) << restarted.error().describe();
  std::int64_t answering_at = nowMs();
  ASSERT_TRUE(eventually(
      [&] {
        incident = outage();
        return incident.is_object() && !incident["resolved_at"].is_null();
      },
      15s))
      << watch.output();
  std::int64_t resolved = parseRfc3339Ms(incident["resolved_at"].get<std::string>());
  EXPECT_LT(std::llabs(resolved - answering_at), 2000) << "the outage must be closed within 2 s of the return";
  std::int64_t downtime = incident["downtime_ms"].get<std::int64_t>();
  EXPECT_GT(downtime, 1000) << "killed, waited a second, restarted";
  EXPECT_LT(std::llabs(downtime - (answering_at - killed_at)), 2500);
  EXPECT_NE(readText(hooks_log).find("undrain"), std::string::npos) << readText(hooks_log);
  bool hook_actions = false;
  for (const auto& a : incident["actions"]) hook_actions |= a["kind"] == "drain" && a["outcome"] == "ok";
  EXPECT_TRUE(hook_actions) << incident.dump(2);

  EXPECT_EQ(watch.stop(SIGTERM, 5s), 0) << watch.output();
}

}  // namespace
}  // namespace shipshape::testing
