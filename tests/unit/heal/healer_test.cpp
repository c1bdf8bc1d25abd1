// The healing policy on synthetic engine events, built from named fields as the engine sends them.
#include "heal/healer.h"

#include <gtest/gtest.h>

namespace shipshape::heal {
namespace {

using Kind = Decision::Kind;

docker::Event event(const std::string& action, const std::string& id, std::int64_t at_ms,
                    docker::Labels labels = {}) {
  docker::Event e;
  e.type = "container";
  e.action = action;
  e.actor_id = id;
  e.attributes = std::move(labels);
  e.attributes["name"] = "ctr-" + id;
  e.time_nano = at_ms * 1000000;
  e.time = at_ms / 1000;
  return e;
}

std::vector<Kind> kinds(const std::vector<Decision>& ds) {
  std::vector<Kind> out;
  for (const auto& d : ds) out.push_back(d.kind);
  return out;
}

const docker::Labels kAutoheal{{"shipshape.autoheal", "true"}};

TEST(Healer, RestartsOnlyLabelledContainersByDefault) {
  Healer h({});
  EXPECT_EQ(kinds(h.onEvent(event("health_status: unhealthy", "a", 1000, kAutoheal), 1000)),
            std::vector<Kind>{Kind::kRestart});
  EXPECT_TRUE(h.onEvent(event("health_status: unhealthy", "b", 1000), 1000).empty());
  EXPECT_EQ(kinds(h.onEvent(event("health_status: healthy", "a", 5000, kAutoheal), 5000)),
            std::vector<Kind>{Kind::kRecovered});
  EXPECT_TRUE(h.onEvent(event("health_status: healthy", "a", 6000, kAutoheal), 6000).empty())
      << "healthy while never unhealthy is not a recovery";
}

TEST(Healer, ModesAllAndOff) {
  Healer all({.mode = AutohealMode::kAll});
  EXPECT_EQ(kinds(all.onEvent(event("health_status: unhealthy", "a", 1), 1)), std::vector<Kind>{Kind::kRestart});
  EXPECT_TRUE(all.onEvent(event("health_status: unhealthy", "b", 1, {{"shipshape.autoheal", "false"}}), 1).empty());
  Healer off({.mode = AutohealMode::kOff});
  EXPECT_TRUE(off.onEvent(event("health_status: unhealthy", "a", 1, kAutoheal), 1).empty());
}

TEST(Healer, ProtectedContainersAreNeverTouched) {
  Healer h({.mode = AutohealMode::kAll});
  auto d = h.onEvent(event("health_status: unhealthy", "db", 1, {{"shipshape.protect", "true"}, {"shipshape.autoheal", "true"}}), 1);
  EXPECT_EQ(kinds(d), std::vector<Kind>{Kind::kSkipProtected});
}

TEST(Healer, CrashLoopAfterNDeathsInTheWindow) {
  Healer h({.crash_loop_deaths = 3, .crash_loop_window = std::chrono::seconds(60),
            .crash_loop_quiet = std::chrono::seconds(30)});
  EXPECT_TRUE(h.onEvent(event("die", "a", 1000, kAutoheal), 1000).empty());
  EXPECT_TRUE(h.onEvent(event("die", "a", 70000, kAutoheal), 70000).empty()) << "the first death left the window";
  EXPECT_TRUE(h.onEvent(event("die", "a", 71000, kAutoheal), 71000).empty());
  auto loop = h.onEvent(event("die", "a", 72000, kAutoheal), 72000);
  ASSERT_EQ(kinds(loop), std::vector<Kind>{Kind::kCrashLoop});
  EXPECT_EQ(loop[0].started_ms, 70000) << "the loop began at the first death in the window";
  EXPECT_TRUE(h.onEvent(event("die", "a", 73000, kAutoheal), 73000).empty()) << "reported once";
  EXPECT_EQ(kinds(h.onEvent(event("health_status: unhealthy", "a", 73500, kAutoheal), 73500)),
            std::vector<Kind>{Kind::kSkipCrashLoop})
      << "no restarts for a crash-looping container";
  EXPECT_TRUE(h.tick(90000).empty());
  EXPECT_EQ(kinds(h.tick(103000)), std::vector<Kind>{Kind::kCrashLoopOver}) << "30 s without a death";
}

TEST(Healer, DeathsFromOurOwnRestartDoNotCount) {
  Healer h({.crash_loop_deaths = 2});
  h.noteRestart("a", 1000, 10);
  EXPECT_TRUE(h.onEvent(event("die", "a", 1500, kAutoheal), 1500).empty());
  EXPECT_TRUE(h.onEvent(event("die", "a", 2000, kAutoheal), 2000).empty()) << "still within stop timeout + margin";
  EXPECT_TRUE(h.onEvent(event("die", "a", 20000, kAutoheal), 20000).empty());
  EXPECT_EQ(kinds(h.onEvent(event("die", "a", 21000, kAutoheal), 21000)), std::vector<Kind>{Kind::kCrashLoop});
}

TEST(Healer, RemovedContainersCloseTheirIncidents) {
  Healer h({});
  h.onEvent(event("health_status: unhealthy", "a", 1, kAutoheal), 1);
  EXPECT_EQ(kinds(h.onEvent(event("destroy", "a", 2, kAutoheal), 2)), std::vector<Kind>{Kind::kGone});
  EXPECT_TRUE(h.onEvent(event("destroy", "never-seen", 2), 2).empty());
}

TEST(Healer, ReconcileAtStartUp) {
  Healer h({});
  EXPECT_EQ(kinds(h.onAlreadyUnhealthy("a", "web", kAutoheal, 5)), std::vector<Kind>{Kind::kRestart});
  EXPECT_TRUE(h.onAlreadyUnhealthy("b", "other", {}, 5).empty());
}

TEST(AutohealMode, Parses) {
  AutohealMode m;
  EXPECT_TRUE(parseAutohealMode("all", &m));
  EXPECT_EQ(m, AutohealMode::kAll);
  EXPECT_TRUE(parseAutohealMode("labeled", &m));
  EXPECT_EQ(m, AutohealMode::kLabelled);
  EXPECT_FALSE(parseAutohealMode("sometimes", &m));
}

}  // namespace
}  // namespace shipshape::heal
