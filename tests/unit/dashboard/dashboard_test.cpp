// The dashboard's pure parts: the host history (step, window, limits), the API bodies (order, filters,
// grouping) and the embedded assets.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "dashboard/api.h"
#include "dashboard/assets.h"
#include "dashboard/host_history.h"

namespace shipshape::dashboard {
namespace {

using nlohmann::json;

resources::Snapshot snapshotAt(std::int64_t at_ms, const std::vector<std::pair<std::string, double>>& cpu) {
  resources::Snapshot s;
  s.at_ms = at_ms;
  s.cores = 2;
  s.has_host_rates = true;
  s.host_cpu_busy = 0.25;
  s.memory = {.total = 1000, .available = 400};
  for (const auto& [id, cores] : cpu) {
    auto info = std::make_shared<resources::ContainerInfo>();
    info->id = id;
    info->name = "name-" + id;
    info->image = "img";
    if (id == "limited") {
      info->nano_cpus_limit = 500000000;
      info->memory_limit = 64 << 20;
    }
    if (id == "quota") {
      info->cpu_quota = 150000;
      info->cpu_period = 100000;
    }
    resources::ContainerUsage u;
    u.info = info;
    u.has_rates = true;
    u.cpu_cores = cores;
    u.raw.memory_working_set = 100;
    s.containers.push_back(u);
  }
  return s;
}

TEST(HostHistory, TakesOnePointPerStepAndKeepsTheWindow) {
  HostHistory h(std::chrono::seconds(5), std::chrono::seconds(20));
  EXPECT_EQ(h.latestJson(), "");
  EXPECT_TRUE(h.add(snapshotAt(1000, {{"a", 0.5}, {"limited", 0.1}})));
  EXPECT_FALSE(h.add(snapshotAt(2000, {{"a", 0.6}})));  // within the step
  EXPECT_TRUE(h.add(snapshotAt(6000, {{"a", 0.7}})));
  EXPECT_EQ(h.taken(), 2u);

  json all = json::parse(h.toJson());
  ASSERT_EQ(all["points"].size(), 2u);
  EXPECT_EQ(all["points"][0]["t"], 1000);
  EXPECT_DOUBLE_EQ(all["points"][0]["cpu"].get<double>(), 0.5);  // 25 % of 2 cores
  EXPECT_EQ(all["points"][0]["mem"], 600);
  EXPECT_DOUBLE_EQ(all["points"][1]["c"]["a"][0].get<double>(), 0.7);
  EXPECT_EQ(all["points"][1]["c"]["a"][1], 100);
  EXPECT_EQ(all["cores"], 2);
  EXPECT_EQ(all["memory_total_bytes"], 1000);
  EXPECT_EQ(json::parse(h.toJson(1000))["points"].size(), 1u) << "since is exclusive";

  // Limits as the page draws them; a container not in the last snapshot is not running.
  std::map<std::string, json> meta;
  for (const auto& c : all["containers"]) meta[c["id"]] = c;
  EXPECT_DOUBLE_EQ(meta["limited"]["cpu_limit_cores"].get<double>(), 0.5);
  EXPECT_EQ(meta["limited"]["memory_limit_bytes"], 64 << 20);
  EXPECT_FALSE(meta["limited"]["running"].get<bool>());
  EXPECT_TRUE(meta["a"]["running"].get<bool>());

  // Past the window the oldest points go, and with them containers seen only there.
  EXPECT_TRUE(h.add(snapshotAt(30000, {{"quota", 1.0}})));
  json later = json::parse(h.toJson());
  ASSERT_EQ(later["points"].size(), 1u);
  ASSERT_EQ(later["containers"].size(), 1u);
  EXPECT_DOUBLE_EQ(later["containers"][0]["cpu_limit_cores"].get<double>(), 1.5) << "quota / period";
  json latest = json::parse(h.latestJson());
  EXPECT_EQ(latest["points"].size(), 1u);
  EXPECT_EQ(latest["points"][0]["t"], 30000);
}

store::Incident incident(std::int64_t id, std::string kind, std::string subject, std::int64_t detected,
                         std::optional<std::int64_t> resolved) {
  store::Incident i;
  i.id = id;
  i.kind = std::move(kind);
  i.subject = std::move(subject);
  i.started_at_ms = detected - 100;
  i.detected_at_ms = detected;
  i.resolved_at_ms = resolved;
  i.situation = "s";
  i.actions.push_back({.at_ms = detected + 10, .kind = "restart", .description = "restarted", .outcome = "ok"});
  return i;
}

TEST(DashboardApi, IncidentsOpenFirstThenNewestWithFilters) {
  std::vector<store::Incident> all = {
      incident(1, "unhealthy", "web", 1000, 2000), incident(2, "crash-loop", "worker", 3000, std::nullopt),
      incident(3, "unhealthy", "web", 5000, 6000), incident(4, "unhealthy", "db", 500, std::nullopt)};
  json r = json::parse(incidentsApi(all, {}));
  EXPECT_EQ(r["open"], 2);
  EXPECT_EQ(r["total"], 4);
  std::vector<int> order;
  for (const auto& i : r["incidents"]) order.push_back(i["id"]);
  EXPECT_EQ(order, (std::vector<int>{2, 4, 3, 1}));
  EXPECT_EQ(r["kinds"], json::array({"crash-loop", "unhealthy"}));
  EXPECT_EQ(r["subjects"], json::array({"db", "web", "worker"}));
  const json& first = r["incidents"][0];
  EXPECT_EQ(first["opened_at_ms"], 3000);
  EXPECT_EQ(first["started_at_ms"], 2900);
  EXPECT_TRUE(first["resolved_at_ms"].is_null());
  EXPECT_EQ(first["actions"][0]["at_ms"], 3010);

  json web = json::parse(incidentsApi(all, incidentQuery({{"kind", "unhealthy"}, {"subject", "web"}})));
  EXPECT_EQ(web["incidents"].size(), 2u);
  EXPECT_EQ(web["total"], 4) << "the totals and choices are over every incident";
  json open = json::parse(incidentsApi(all, incidentQuery({{"open", "1"}, {"limit", "1"}})));
  ASSERT_EQ(open["incidents"].size(), 1u);
  EXPECT_EQ(open["incidents"][0]["id"], 2);
  EXPECT_EQ(incidentQuery({{"limit", "-5"}}).limit, 1);
  EXPECT_EQ(incidentQuery({{"limit", "nope"}}).limit, 1);
}

TEST(DashboardApi, ReleasesNewestFirstWithTheServingOne) {
  store::ServiceRecord svc;
  svc.name = "web";
  svc.listen = "127.0.0.1:8080";
  std::vector<store::Release> rows;
  for (int i = 1; i <= 3; ++i) {
    store::Release r;
    r.id = i;
    r.service = "web";
    r.image = "web:v" + std::to_string(i);
    r.started_at_ms = i * 1000;
    r.outcome = i == 1 ? "superseded" : i == 2 ? store::kPromoted : "rolled_back";
    r.spec_json = R"({"Env":["PASSWORD=hunter2"]})";
    rows.push_back(r);
  }
  std::string body = releasesApi({svc}, {{"web", rows}});
  EXPECT_EQ(body.find("hunter2"), std::string::npos) << "definitions (and their secrets) are not in the API";
  json r = json::parse(body);
  ASSERT_EQ(r["services"].size(), 1u);
  EXPECT_EQ(r["services"][0]["current"]["id"], 2);
  EXPECT_EQ(r["services"][0]["releases"][0]["id"], 3);
  EXPECT_EQ(r["services"][0]["releases"][0]["outcome"], "rolled_back");
}

TEST(DashboardApi, BackupsPerVolumeWithAgeAndLastVerifiedRestore) {
  auto record = [](std::string volume, std::string stamp, std::time_t created, bool tested) {
    volumes::BackupRecord r;
    r.id = volume + "@" + stamp;
    r.created = created;
    r.manifest.volume = volume;
    r.manifest.created = stamp;
    r.manifest.data_bytes = 42;
    r.manifest.consistency = "pause";
    if (tested) r.restore_test = volumes::RestoreTest{.at = "2026-12-01T00:00:00Z", .ok = true, .seconds = 0.5};
    return r;
  };
  // Oldest first, as listBackups gives them.
  std::vector<volumes::BackupRecord> records = {record("pg", "A", 1000, true), record("pg", "B", 2000, false),
                                                record("redis", "C", 1500, false)};
  json r = json::parse(backupsApi("/b", records, 3000 * 1000));
  ASSERT_EQ(r["volumes"].size(), 2u);
  const json& pg = r["volumes"][0];
  EXPECT_EQ(pg["volume"], "pg");
  EXPECT_EQ(pg["count"], 2);
  EXPECT_EQ(pg["newest"]["id"], "pg@B");
  EXPECT_EQ(pg["age_s"], 1000);
  EXPECT_EQ(pg["last_restore_test"]["backup"], "pg@A");
  EXPECT_TRUE(pg["last_restore_test"]["ok"].get<bool>());
  EXPECT_TRUE(r["volumes"][1]["last_restore_test"].is_null());
  EXPECT_EQ(json::parse(backupsApi("/b", {}, 0, "cannot list /b"))["error"], "cannot list /b");
}

TEST(DashboardApi, FindingsGroupedByScenarioMostSevereFirst) {
  FindingsSnapshot s;
  s.at_ms = 5000;
  s.findings = {{.rule_id = "SS102",
                 .severity = rules::Severity::kMedium,
                 .message = "no CPU limit",
                 .location = rules::Location::object("container", "web")},
                {.rule_id = "SS401",
                 .severity = rules::Severity::kHigh,
                 .message = "runs as root",
                 .location = rules::Location::object("container", "web")},
                {.rule_id = "SS101",
                 .severity = rules::Severity::kHigh,
                 .message = "no memory limit",
                 .location = rules::Location::object("container", "web")}};
  json r = json::parse(findingsApi(s));
  EXPECT_EQ(r["count"], 3);
  ASSERT_EQ(r["scenarios"].size(), 2u);
  EXPECT_EQ(r["scenarios"][0]["scenario"], 1);
  EXPECT_EQ(r["scenarios"][0]["findings"][0]["rule"], "SS101");
  EXPECT_EQ(r["scenarios"][0]["findings"][1]["rule"], "SS102");
  EXPECT_FALSE(r["scenarios"][0]["findings"][0]["fix"].get<std::string>().empty());
  EXPECT_EQ(r["scenarios"][1]["scenario"], 4);
  EXPECT_TRUE(json::parse(findingsApi({}))["at"].is_null()) << "not collected yet";
}

TEST(DashboardAssets, ThePageAndChartJsAreInTheBinary) {
  std::map<std::string, const Asset*> by_url;
  for (const auto& a : assets()) by_url[std::string(a.url)] = &a;
  ASSERT_TRUE(by_url.count("/"));
  ASSERT_TRUE(by_url.count("/assets/chart.js"));
  ASSERT_TRUE(by_url.count("/assets/dashboard.js"));
  EXPECT_EQ(by_url["/"]->content_type, "text/html; charset=utf-8");
  EXPECT_NE(by_url["/"]->body.find("/assets/chart.js"), std::string_view::npos);
  EXPECT_GT(by_url["/assets/chart.js"]->body.size(), 100000u);
  EXPECT_NE(by_url["/assets/chart.js"]->body.find("Chart.js"), std::string_view::npos);
  EXPECT_EQ(by_url["/assets/dashboard.js"]->body.find("http://"), std::string_view::npos) << "nothing off the host";
  EXPECT_EQ(by_url["/assets/dashboard.js"]->body.find("https://"), std::string_view::npos) << "nothing off the host";
}

}  // namespace
}  // namespace shipshape::dashboard
