// `shipshape watch` as users run it, against the real engine: an unhealthy container labelled for autoheal is
// restarted and its incident closes with measured times; an unlabelled one is left alone; a crash loop is
// recorded; SIGTERM stops the guardian within 2 s.
#include <signal.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "support/docker_test_env.h"
#include "support/http_get.h"
#include "support/process.h"

namespace shipshape::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class Watch : public DockerTest {
 protected:
  void SetUp() override {
    DockerTest::SetUp();
    state_dir_ = ::testing::TempDir() + "/" + prefix() + "-state";
    std::filesystem::remove_all(state_dir_);
  }
  void TearDown() override {
    DockerTest::TearDown();
    std::filesystem::remove_all(state_dir_);
  }
  json incidents() {
    auto run = runProcess({SHIPSHAPE_BINARY, "incidents", "list", "--format", "json", "--state-dir", state_dir_});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return run.exit_code == 0 ? json::parse(run.out) : json::array();
  }
  json incidentFor(const std::string& kind, const std::string& subject) {
    for (const auto& i : incidents()) {
      if (i["kind"] == kind && i["subject"] == subject) return i;
    }
    return nullptr;
  }
  std::string state_dir_;
};

TEST_F(Watch, HealsLabelledContainersOnlyAndRecordsTheIncident) {
  BackgroundProcess watch({SHIPSHAPE_BINARY, "watch", "--state-dir", state_dir_, "--log-level", "info"});
  ASSERT_TRUE(eventually([&] { return watch.output().find("shipshape watch: engine") != std::string::npos; }, 10s))
      << watch.output();

  auto labelled = testappSpec();
  labelled.labels["shipshape.autoheal"] = "true";
  labelled.stop_timeout = 3;
  std::string healme = runTestapp("healme", labelled);
  std::string leaveme = runTestapp("leaveme", testappSpec());
  ASSERT_TRUE(waitForHealth(healme, "healthy", 20s));
  ASSERT_TRUE(waitForHealth(leaveme, "healthy", 20s));
  auto before = client().inspectContainer(leaveme);
  SS_ASSERT_OK(before);

  for (const auto& id : {healme, leaveme}) {
    SS_ASSERT_OK(httpGetWhenUp("http://" + containerIp(id) + ":8080/health/fail", 10s));
  }
  json incident;
  ASSERT_TRUE(eventually(
      [&] {
        incident = incidentFor("unhealthy", name("healme"));
        return incident.is_object() && !incident["resolved_at"].is_null();
      },
      45s))
      << "no resolved incident; watch said:\n" << watch.output();
  EXPECT_EQ(incident["subject_id"], healme);
  ASSERT_FALSE(incident["actions"].empty());
  EXPECT_EQ(incident["actions"][0]["kind"], "restart");
  EXPECT_EQ(incident["actions"][0]["outcome"], "ok");
  EXPECT_GE(incident["time_to_detect_ms"].get<std::int64_t>(), 0);
  EXPECT_GT(incident["time_to_recover_ms"].get<std::int64_t>(), 0);
  EXPECT_GE(incident["downtime_ms"].get<std::int64_t>(), incident["time_to_recover_ms"].get<std::int64_t>())
      << "the outage began at the first failed probe, before the daemon declared it unhealthy";
  auto healed = client().inspectContainer(healme);
  SS_ASSERT_OK(healed);
  EXPECT_EQ(healed->healthStatus(), "healthy");

  EXPECT_TRUE(waitForHealth(leaveme, "unhealthy", 20s));
  auto after = client().inspectContainer(leaveme);
  SS_ASSERT_OK(after);
  EXPECT_EQ(after->state.started_at, before->state.started_at) << "an unlabelled container is not restarted";
  EXPECT_TRUE(incidentFor("unhealthy", name("leaveme")).is_null());

  auto show = runProcess({SHIPSHAPE_BINARY, "incidents", "show", std::to_string(incident["id"].get<int>()),
                          "--state-dir", state_dir_});
  EXPECT_EQ(show.exit_code, 0);
  EXPECT_NE(show.out.find("**Situation.**"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("downtime"), std::string::npos) << show.out;

  std::chrono::milliseconds took{0};
  EXPECT_EQ(watch.stop(SIGTERM, 5s, &took), 0) << watch.output();
  EXPECT_LT(took, 2s) << "SIGTERM must stop the guardian within 2 s";
}

TEST_F(Watch, RecordsACrashLoop) {
  BackgroundProcess watch({SHIPSHAPE_BINARY, "watch", "--state-dir", state_dir_, "--crash-loop-deaths", "3",
                           "--crash-loop-window", "60"});
  ASSERT_TRUE(eventually([&] { return watch.output().find("shipshape watch: engine") != std::string::npos; }, 10s));
  auto spec = testappSpec();
  spec.env = {"EXIT_AFTER_MS=200", "EXIT_CODE=3"};
  spec.restart_policy = {"always", 0};
  runTestapp("looper", spec);
  json incident;
  ASSERT_TRUE(eventually(
      [&] {
        incident = incidentFor("crash-loop", name("looper"));
        return incident.is_object();
      },
      30s))
      << watch.output() << "\nincidents: " << incidents().dump();
  EXPECT_NE(incident["situation"].get<std::string>().find("last exit code 3"), std::string::npos)
      << incident["situation"];
  EXPECT_TRUE(incident["resolved_at"].is_null());
  EXPECT_EQ(watch.stop(SIGINT, 5s), 0);
}

}  // namespace
}  // namespace shipshape::testing
