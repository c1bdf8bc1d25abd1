// Scenario 1 on the real engine: the sampler reads containers' cgroups (and agrees with the Engine API's own
// stats), and `shipshape watch` finds a CPU hog starving the host, limits it under --policy enforce while a
// protected hog is left alone, only reports under the default alert policy, records OOM kills, and serves
// cAdvisor-named metrics.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "resources/sampler.h"
#include "support/docker_test_env.h"
#include "support/http_get.h"
#include "support/http_receiver.h"
#include "support/process.h"

namespace shipshape::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const resources::ContainerUsage* find(const resources::Snapshot& s, const std::string& id) {
  for (const auto& c : s.containers) {
    if (c.info->id == id) return &c;
  }
  return nullptr;
}

class Resources : public DockerTest {
 protected:
  void SetUp() override {
    DockerTest::SetUp();
    state_dir_ = ::testing::TempDir() + "/" + prefix() + "-state";
    std::filesystem::remove_all(state_dir_);
    std::filesystem::create_directories(state_dir_);
  }
  void TearDown() override {
    DockerTest::TearDown();
    std::filesystem::remove_all(state_dir_);
  }
  // Starts `watch` listening on a loopback port of its own; returns its base URL ("http://127.0.0.1:N").
  std::string startedWatchUrl(BackgroundProcess& watch) {
    if (!eventually([&] { return watch.output().find("metrics on http://") != std::string::npos; }, 10s)) return "";
    std::string out = watch.output();
    auto at = out.find("metrics on http://") + 11;
    return out.substr(at, out.find('/', at + 7) - at);
  }
  // The newest incident of `kind`, from the guardian's own API. Asked over HTTP, not with a `shipshape
  // incidents` process every 100 ms: under the sanitizers each of those costs most of a core, and these tests
  // judge which containers use the host's CPU.
  json incidentOfKind(const std::string& base_url, const std::string& kind) {
    auto r = httpRequest("GET", base_url + "/api/v1/incidents?kind=" + kind);
    if (!r || r->status != 200) return nullptr;
    auto body = json::parse(r->body, nullptr, false);
    if (body.is_discarded() || !body.contains("incidents") || body["incidents"].empty()) return nullptr;
    return body["incidents"][0];
  }
  // A config that makes a 2-thread burner on this 2-core machine a starving host within 3 s.
  std::string writeConfig(const std::string& extra = "") {
    std::string path = state_dir_ + "/watch.yaml";
    std::ofstream(path) << "resources:\n  window: 3s\n  host_cpu: 80%\n" << extra;
    return path;
  }
  std::string state_dir_;
};

TEST_F(Resources, SamplerReadsCgroupsAndAgreesWithTheStatsApi) {
  auto limited_spec = testappSpec();
  limited_spec.memory = 64 << 20;
  limited_spec.memory_swap = 64 << 20;
  limited_spec.nano_cpus = 500000000;
  std::string busy = runTestapp("busy", testappSpec());
  std::string limited = runTestapp("limited", limited_spec);
  SS_ASSERT_OK(httpGetWhenUp("http://" + containerIp(busy) + ":8080/grow?mb=40", 10s));
  SS_ASSERT_OK(httpGetWhenUp("http://" + containerIp(busy) + ":8080/burn?ms=6000&threads=1", 10s));
  SS_ASSERT_OK(httpGetWhenUp("http://" + containerIp(limited) + ":8080/health", 10s));

  resources::Sampler sampler(client(), {.host = resources::HostPaths::detect()});
  sampler.sample();
  std::this_thread::sleep_for(1500ms);
  auto s = sampler.sample();
  EXPECT_EQ(sampler.apiFallbacks(), 0u) << "a local engine's cgroups are readable";
  EXPECT_EQ(s.cores, static_cast<int>(std::thread::hardware_concurrency()));
  EXPECT_GT(s.memory.total, 0u);
  EXPECT_TRUE(s.has_host_rates);
  const auto* b = find(s, busy);
  const auto* l = find(s, limited);
  ASSERT_TRUE(b && l) << s.containers.size() << " containers sampled";
  ASSERT_TRUE(b->has_rates);
  EXPECT_GT(b->cpu_cores, 0.6) << "one burning thread";
  EXPECT_LT(b->cpu_cores, 1.3);
  EXPECT_FALSE(b->from_api);
  EXPECT_GE(b->raw.memory_working_set, 40u << 20) << "40 MiB grown and touched";
  EXPECT_GT(b->raw.net.rx, 0u) << "HTTP requests came in over eth0";
  EXPECT_GE(b->raw.pids, 1u);
  EXPECT_EQ(l->raw.memory_limit, 64u << 20);
  EXPECT_EQ(l->info->memory_limit, 64 << 20);
  EXPECT_EQ(l->info->nano_cpus_limit, 500000000);
  EXPECT_FALSE(b->info->hasCpuLimit());

  // The same container through the Engine API: the working set agrees (within 2 MiB: the two reads are not
  // simultaneous).
  auto api = client().stats(busy, true);
  SS_ASSERT_OK(api);
  auto again = sampler.sample();
  double ours = static_cast<double>(find(again, busy)->raw.memory_working_set);
  double theirs = static_cast<double>(docker::memoryWorkingSet(*api));
  EXPECT_NEAR(ours, theirs, 2 << 20);

  // A remote engine's cgroups are not ours to read: the API's stats stand in, rates included.
  resources::Sampler remote(client(), {.host = resources::HostPaths::detect(), .host_is_engine = false});
  remote.sample();
  std::this_thread::sleep_for(1000ms);
  auto r = remote.sample();
  const auto* rb = find(r, busy);
  ASSERT_TRUE(rb);
  EXPECT_TRUE(rb->from_api);
  EXPECT_TRUE(rb->has_rates);
  EXPECT_GT(rb->cpu_cores, 0.5);
  EXPECT_GE(rb->raw.memory_working_set, 40u << 20);
}

TEST_F(Resources, EnforceLimitsTheHogButNotTheProtectedOne) {
  auto hog_spec = testappSpec();
  hog_spec.labels["shipshape.limits.cpus"] = "0.5";
  // Half the protected one's CPU weight (not a limit): the protected container takes about two thirds of the
  // busy cores, more than half on its own, and must not shield the hog (it once did, whenever it won the
  // scheduler's coin toss between two equal burners).
  hog_spec.cpu_shares = 512;
  std::string hog = runTestapp("hog", hog_spec);
  auto guarded_spec = testappSpec();
  guarded_spec.labels["shipshape.protect"] = "true";
  std::string guarded = runTestapp("guarded", guarded_spec);
  std::string web = runTestapp("web", testappSpec());
  SS_ASSERT_OK(httpGetWhenUp("http://" + containerIp(web) + ":8080/health", 10s));

  BackgroundProcess watch({SHIPSHAPE_BINARY, "watch", "--state-dir", state_dir_, "--config", writeConfig(),
                           "--policy", "enforce", "--listen", "127.0.0.1:0", "--log-level", "info"});
  std::string base_url = startedWatchUrl(watch);
  ASSERT_FALSE(base_url.empty()) << watch.output();
  std::string metrics_url = base_url + "/metrics";

  SS_ASSERT_OK(httpGetWhenUp("http://" + containerIp(hog) + ":8080/burn?ms=20000&threads=2", 10s));
  SS_ASSERT_OK(httpGetWhenUp("http://" + containerIp(guarded) + ":8080/burn?ms=20000&threads=2", 10s));
  json incident;
  ASSERT_TRUE(eventually([&] { return (incident = incidentOfKind(base_url, "cpu-starvation")).is_object(); }, 20s))
      << watch.output();
  EXPECT_EQ(incident["subject"], "host");
  EXPECT_GE(incident["time_to_detect_ms"].get<std::int64_t>(), 3000) << "the condition must last the window";
  EXPECT_LT(incident["time_to_detect_ms"].get<std::int64_t>(), 6000);
  auto hog_after = client().inspectContainer(hog);
  auto guarded_after = client().inspectContainer(guarded);
  SS_ASSERT_OK(hog_after);
  SS_ASSERT_OK(guarded_after);
  EXPECT_EQ(hog_after->host_config.nano_cpus, 500000000) << "its shipshape.limits.cpus label";
  EXPECT_EQ(guarded_after->host_config.nano_cpus, 0) << "protected: untouched";
  EXPECT_EQ(guarded_after->host_config.memory, 0);
  bool limited = false, skipped = false;
  for (const auto& a : incident["actions"]) {
    std::string d = a["description"];
    if (a["kind"] == "limit" && d.find(name("hog")) != std::string::npos && a["outcome"] == "ok") limited = true;
    if (a["kind"] == "skip" && d.find(name("guarded")) != std::string::npos) skipped = true;
  }
  EXPECT_TRUE(limited) << incident.dump(2);
  EXPECT_TRUE(skipped) << incident.dump(2);

  // cAdvisor's names, the containers' names as labels. The guardian's counters are published on its loop's
  // next turn, which may come after the incident's action is stored: wait for it.
  Result<HttpResult> metrics = fail(ErrorCode::kTimeout, "no /metrics yet");
  EXPECT_TRUE(eventually(
      [&] {
        metrics = httpRequest("GET", metrics_url);
        return metrics && metrics->body.find("shipshape_limits_applied_total 1") != std::string::npos;
      },
      5s))
      << (metrics ? metrics->body.substr(std::min(metrics->body.size(), metrics->body.find("# HELP shipshape_")))
                  : metrics.error().describe());
  SS_ASSERT_OK(metrics);
  EXPECT_NE(metrics->body.find("container_cpu_usage_seconds_total{cpu=\"total\",id=\"/docker/" + hog), std::string::npos);
  EXPECT_NE(metrics->body.find("name=\"" + name("web") + "\""), std::string::npos);
  EXPECT_EQ(watch.stop(SIGTERM, 5s), 0);
}

TEST_F(Resources, AlertPolicyOnlyReportsAndOomKillsAreRecorded) {
  HttpReceiver webhook;
  std::string hog = runTestapp("hog", testappSpec());
  auto small = testappSpec();
  small.memory = 32 << 20;
  small.memory_swap = 32 << 20;
  std::string oom = runTestapp("oom", small);
  SS_ASSERT_OK(httpGetWhenUp("http://" + containerIp(oom) + ":8080/health", 10s));
  BackgroundProcess watch({SHIPSHAPE_BINARY, "watch", "--state-dir", state_dir_, "--config",
                           writeConfig("alerts:\n  webhook: " + webhook.url() + "\n"), "--listen", "127.0.0.1:0",
                           "--log-level", "info"});
  std::string base_url = startedWatchUrl(watch);
  ASSERT_FALSE(base_url.empty()) << watch.output();
  SS_ASSERT_OK(httpGetWhenUp("http://" + containerIp(hog) + ":8080/burn?ms=15000&threads=2", 10s));
  // 64 MiB into a 32 MiB cgroup: the kernel kills testapp (the reply may never come).
  (void)httpRequest("GET", "http://" + containerIp(oom) + ":8080/grow?mb=64", "", 5s);

  json starvation, oom_kill;
  ASSERT_TRUE(eventually([&] { return (starvation = incidentOfKind(base_url, "cpu-starvation")).is_object(); }, 20s))
      << watch.output();
  ASSERT_TRUE(eventually([&] { return (oom_kill = incidentOfKind(base_url, "oom-kill")).is_object(); }, 10s))
      << watch.output();
  EXPECT_EQ(oom_kill["subject"], name("oom"));
  EXPECT_EQ(oom_kill["subject_id"], oom);
  bool would = false;
  for (const auto& a : starvation["actions"]) {
    would |= a["kind"] == "alert" && a["description"].get<std::string>().find("would limit " + name("hog")) != std::string::npos;
  }
  EXPECT_TRUE(would) << starvation.dump(2);
  auto after = client().inspectContainer(hog);
  SS_ASSERT_OK(after);
  EXPECT_EQ(after->host_config.nano_cpus, 0) << "alert policy changes nothing";
  // Both incidents reached the webhook, Slack-compatible.
  ASSERT_TRUE(webhook.waitFor(2, 5s));
  std::set<std::string> kinds;
  for (const auto& r : webhook.requests()) {
    auto body = json::parse(r.body);
    EXPECT_TRUE(body["text"].is_string());
    kinds.insert(body["incident"]["kind"].get<std::string>());
  }
  EXPECT_TRUE(kinds.contains("cpu-starvation") && kinds.contains("oom-kill")) << webhook.requests().size();
  EXPECT_EQ(watch.stop(SIGTERM, 5s), 0);
}

}  // namespace
}  // namespace shipshape::testing
