#include "report/incident_report.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "common/format.h"

namespace shipshape::report {
namespace {

store::Incident resolved() {
  store::Incident i;
  i.id = 7;
  i.kind = "unhealthy";
  i.subject = "web-1";
  i.situation = "container web-1 reported unhealthy: 2 failed health checks in a row";
  i.task = "restore web-1 to a healthy state without manual intervention";
  i.started_at_ms = 1795665646000;
  i.detected_at_ms = 1795665650120;
  i.resolved_at_ms = 1795665654420;
  i.result = "healthy again";
  i.actions.push_back({1795665650125, "restart", "restarted web-1 through the Engine API (stop timeout 10 s)", "ok",
                       true, 1200});
  return i;
}

TEST(IncidentReport, StarReportCarriesTheMeasuredTimes) {
  std::string md = incidentMarkdown(resolved());
  EXPECT_NE(md.find("## Incident 7: unhealthy — web-1"), std::string::npos);
  EXPECT_NE(md.find("**Situation.**"), std::string::npos);
  EXPECT_NE(md.find("**Task.**"), std::string::npos);
  EXPECT_NE(md.find("**Action.**\n- 2026-11-26T04:00:50.125Z (automatic) restart:"), std::string::npos) << md;
  EXPECT_NE(md.find("took 1.2 s"), std::string::npos);
  EXPECT_NE(md.find("Time to detect 4.1 s, time to recover 4.3 s, downtime 8.4 s"), std::string::npos) << md;
}

TEST(IncidentReport, JsonHasTheContractFields) {
  auto open = resolved();
  open.resolved_at_ms.reset();
  auto j = nlohmann::json::parse(incidentsJson({resolved(), open}));
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["id"], 7);
  EXPECT_EQ(j[0]["subject"], "web-1");
  EXPECT_EQ(j[0]["opened_at"], "2026-11-26T04:00:50.120Z");
  EXPECT_EQ(j[0]["resolved_at"], "2026-11-26T04:00:54.420Z");
  EXPECT_EQ(j[0]["time_to_detect_ms"], 4120);
  EXPECT_EQ(j[0]["time_to_recover_ms"], 4300);
  EXPECT_EQ(j[0]["downtime_ms"], 8420);
  EXPECT_EQ(j[0]["actions"][0]["kind"], "restart");
  EXPECT_TRUE(j[1]["resolved_at"].is_null());
  EXPECT_TRUE(j[1]["downtime_ms"].is_null());
}

TEST(Timestamps, Rfc3339RoundTrip) {
  EXPECT_EQ(parseRfc3339Ms("2026-11-26T04:00:46.133026346Z"), 1795665646133);
  EXPECT_EQ(parseRfc3339Ms("2026-11-26T05:00:46.133+01:00"), 1795665646133);
  EXPECT_EQ(parseRfc3339Ms("2026-11-26T04:00:46Z"), 1795665646000);
  EXPECT_EQ(parseRfc3339Ms("yesterday"), -1);
  EXPECT_EQ(isoTimeMs(1795665646133), "2026-11-26T04:00:46.133Z");
  EXPECT_EQ(formatDurationMs(120), "120 ms");
  EXPECT_EQ(formatDurationMs(125000), "2 min 5 s");
}

}  // namespace
}  // namespace shipshape::report
