// `shipshape admit` as the engine's authorization plugin, for real: a private dockerd (own data-root, own
// network namespace) started with --authorization-plugin pointing at the plugin's socket, driven with the
// docker CLI as a user would. Root is refused with the rule IDs in the CLI's error, a compliant container
// starts, warn mode lets a root container through and records it; container create latency is measured
// with and without the plugin on two private daemons side by side, interleaved.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "support/docker_test_env.h"
#include "support/http_get.h"
#include "support/private_daemon.h"
#include "support/process.h"
#include "support/scoped.h"

namespace shipshape::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::string pluginName(const char* what) { return std::string("ss-test-") + what + "-" + std::to_string(::getpid()); }

std::string testappTar() {
  auto main_client = docker::Client::fromEnvironment();
  if (!main_client) return {};
  std::string tar;
  auto exported = (*main_client)->exportImage(kTestappImage, [&](std::string_view chunk) {
    tar.append(chunk);
    return true;
  });
  return exported ? tar : std::string();
}

// The plugin as users run it, until the test ends (SIGTERM; its exit code checked).
class Plugin {
 public:
  // Serves `daemon`'s private plugin directory (never the host's /run/docker/plugins).
  Plugin(const std::string& name, const PrivateDaemon& daemon, const std::string& state_dir, const std::string& mode)
      : process_({SHIPSHAPE_BINARY, "-H", daemon.host(), "admit", "--mode", mode, "--socket",
                  daemon.pluginDir() + "/" + name + ".sock", "--state-dir", state_dir, "--listen", "127.0.0.1:0"}) {}
  ~Plugin() { process_.stop(SIGTERM, 10s); }
  bool waitReady() {
    return eventually([&] { return process_.output().find("authorization plugin on") != std::string::npos; }, 10s);
  }
  std::string metricsUrl() const {
    std::string out = process_.output();
    auto at = out.find("metrics on ");
    if (at == std::string::npos) return {};
    at += 11;
    return out.substr(at, out.find('\n', at) - at);
  }
  int stop() { return process_.stop(SIGTERM, 10s); }
  std::string output() const { return process_.output(); }

 private:
  BackgroundProcess process_;
};

// One series' value from the plugin's /metrics; -1 when it cannot be read.
double metricValue(const Plugin& plugin, const std::string& series) {
  auto metrics = httpRequest("GET", plugin.metricsUrl());
  if (!metrics) return -1;
  auto at = metrics->body.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::atof(metrics->body.c_str() + at + series.size() + 2);
}

ProcessResult docker(const std::string& host, std::vector<std::string> args) {
  args.insert(args.begin(), {"/usr/bin/docker", "-H", host});
  return runProcess(args, {"DOCKER_CONFIG=/nonexistent"}, 60s);
}

json incidents(const std::string& state_dir) {
  auto run = runProcess({SHIPSHAPE_BINARY, "incidents", "list", "--format", "json", "--state-dir", state_dir});
  if (run.exit_code != 0) return json::array();
  return json::parse(run.out, nullptr, false);
}

TEST(Admission, EnforceRefusesRootWithTheRuleIdsAndWarnRecordsIt) {
  const std::string image_tar = testappTar();
  ASSERT_FALSE(image_tar.empty()) << "the testapp image could not be exported from the main engine";
  ScopedTempDir state("admit-state");
  const std::string name = pluginName("enforce");
  PrivateDaemon daemon({"--authorization-plugin=" + name}, /*private_plugins=*/true);

  // The engine checks its authorization plugins when it starts: the plugin comes first.
  std::optional<Plugin> plugin;
  plugin.emplace(name, daemon, state.path(), "enforce");
  ASSERT_TRUE(plugin->waitReady()) << plugin->output();
  auto started = daemon.start();
  ASSERT_TRUE(started) << started.error().describe() << "\nplugin:\n" << plugin->output();
  docker::Client client(daemon.endpoint());
  auto loaded = client.loadImage(image_tar);
  ASSERT_TRUE(loaded) << loaded.error().describe();

  // Root, no limits, the image's VOLUME on an anonymous volume: refused, with every rule and its fix.
  auto denied =
      docker(daemon.host(), {"create", "--name", "as-root", "--network", "none", "--user", "0", kTestappImage});
  EXPECT_NE(denied.exit_code, 0);
  std::printf("docker create --user 0 said: %s", denied.err.c_str());
  EXPECT_NE(denied.err.find("authorization denied by plugin " + name), std::string::npos) << denied.err;
  for (const char* rule : {"SS401", "SS101", "SS102", "SS301"}) {
    EXPECT_NE(denied.err.find(rule), std::string::npos) << rule << " missing from: " << denied.err;
  }
  EXPECT_NE(denied.err.find("--user 10001:10001"), std::string::npos) << denied.err;
  auto absent = client.inspectContainer("as-root");
  EXPECT_FALSE(absent) << "a denied container must not exist";

  // Compliant: the image's own user, limits, a named volume on /data. It is created and runs.
  auto ok = docker(daemon.host(), {"run", "-d", "--name", "compliant", "--network", "none", "--memory", "64m", "--cpus",
                                   "0.5", "-v", "appdata:/data", kTestappImage});
  ASSERT_EQ(ok.exit_code, 0) << ok.err << "\nplugin:\n" << plugin->output();
  EXPECT_TRUE(eventually(
      [&] {
        auto c = client.inspectContainer("compliant");
        return c && c->state.running;
      },
      20s));

  // The image's config is now cached. Re-point the tag at a root image: the tag event empties the cache, and
  // the same compliant-looking command is judged against the new image and refused.
  auto committed = docker(daemon.host(), {"commit", "--change", "USER 0", "compliant", "rootapp:1"});
  ASSERT_EQ(committed.exit_code, 0) << committed.err;
  double events = metricValue(*plugin, "shipshape_admission_image_events_total");
  auto retag = docker(daemon.host(), {"tag", "rootapp:1", kTestappImage});
  ASSERT_EQ(retag.exit_code, 0) << retag.err;
  ASSERT_TRUE(eventually([&] { return metricValue(*plugin, "shipshape_admission_image_events_total") > events; }, 10s));
  auto retagged = docker(daemon.host(), {"create", "--name", "retagged", "--network", "none", "--memory", "64m",
                                         "--cpus", "0.5", "-v", "appdata:/data", kTestappImage});
  EXPECT_NE(retagged.exit_code, 0);
  EXPECT_NE(retagged.err.find("SS401 root-user: runs as 0"), std::string::npos) << retagged.err;
  EXPECT_GE(metricValue(*plugin, "shipshape_admission_image_lookups_total{source=\"engine\"}"), 2);

  // The denials are incidents; the verdicts are on /metrics.
  json found;
  for (const auto& i : incidents(state.path())) {
    if (i["kind"] == "admission-denied") found = i;
  }
  ASSERT_TRUE(found.is_object()) << incidents(state.path()).dump(2);
  EXPECT_NE(found["situation"].get<std::string>().find("SS401"), std::string::npos);
  EXPECT_FALSE(found["resolved_at"].is_null()) << "a denial is over when it is decided: " << found.dump();
  auto metrics = httpRequest("GET", plugin->metricsUrl());
  ASSERT_TRUE(metrics) << metrics.error().describe() << " url=" << plugin->metricsUrl();
  EXPECT_NE(metrics->body.find("shipshape_admission_requests_total{verdict=\"denied\"} 2"), std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("shipshape_admission_violations_total{rule=\"SS401\"} 2"), std::string::npos);

  // The same plugin name in warn mode: root gets through and is recorded once.
  EXPECT_EQ(plugin->stop(), 0) << plugin->output();
  EXPECT_NE(plugin->output().find("2 denied"), std::string::npos) << plugin->output();
  plugin.emplace(name, daemon, state.path(), "warn");
  ASSERT_TRUE(plugin->waitReady()) << plugin->output();
  auto warned =
      docker(daemon.host(), {"create", "--name", "warned-root", "--network", "none", "--user", "0", kTestappImage});
  EXPECT_EQ(warned.exit_code, 0) << warned.err;
  EXPECT_TRUE(client.inspectContainer("warned-root"));
  int warnings = 0;
  for (const auto& i : incidents(state.path())) warnings += i["kind"] == "admission-warning" ? 1 : 0;
  EXPECT_EQ(warnings, 1) << incidents(state.path()).dump(2);

  // Clean up through the plugin (it passes what it does not judge), then stop it after the daemon.
  for (const char* c : {"compliant", "warned-root"}) {
    docker::RemoveOptions rm;
    rm.force = true;
    rm.volumes = true;
    EXPECT_TRUE(client.removeContainer(c, rm));
  }
  daemon.stop();
  EXPECT_EQ(plugin->stop(), 0) << plugin->output();
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size())));
  return v[i];
}

TEST(Admission, CreateLatencyWithAndWithoutThePluginSideBySide) {
  const std::string image_tar = testappTar();
  ASSERT_FALSE(image_tar.empty());
  ScopedTempDir state("admit-latency");
  const std::string name = pluginName("latency");
  PrivateDaemon with({"--authorization-plugin=" + name}, /*private_plugins=*/true);
  PrivateDaemon without({}, /*private_plugins=*/true);  // the same namespaces, no plugin
  Plugin plugin(name, with, state.path(), "enforce");
  ASSERT_TRUE(plugin.waitReady()) << plugin.output();
  for (PrivateDaemon* d : {&with, &without}) {
    auto started = d->start();
    ASSERT_TRUE(started) << started.error().describe();
    docker::Client c(d->endpoint());
    auto loaded = c.loadImage(image_tar);
    ASSERT_TRUE(loaded) << loaded.error().describe();
  }
  docker::Client a(with.endpoint()), b(without.endpoint());
  docker::ContainerSpec spec;
  spec.image = kTestappImage;
  spec.network_mode = "none";
  spec.memory = 64 << 20;
  spec.nano_cpus = 500000000;
  spec.binds = {"appdata:/data"};
  // Interleaved, same spec, same moment: the only difference is the plugin. Warm-up first.
  constexpr int kRounds = 100;
  std::vector<double> ms_with, ms_without;
  for (int round = -3; round < kRounds; ++round) {
    for (docker::Client* c : {&a, &b}) {
      auto t0 = std::chrono::steady_clock::now();
      auto id = c->createContainer(spec);
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      ASSERT_TRUE(id) << id.error().describe() << "\n" << plugin.output();
      ASSERT_TRUE(c->removeContainer(*id));
      if (round >= 0) (c == &a ? ms_with : ms_without).push_back(ms);
    }
  }
  double p50_with = percentile(ms_with, 50), p50_without = percentile(ms_without, 50);
  double p99_with = percentile(ms_with, 99), p99_without = percentile(ms_without, 99);
  std::printf(
      "container create over %d rounds: with plugin p50 %.2f ms p99 %.2f ms; without p50 %.2f ms p99 %.2f ms; "
      "added p50 %.2f ms p99 %.2f ms\n",
      kRounds, p50_with, p99_with, p50_without, p99_without, p50_with - p50_without, p99_with - p99_without);
  // Of which judging (image lookup included), as the plugin's own histogram has it.
  auto metrics = httpRequest("GET", plugin.metricsUrl());
  ASSERT_TRUE(metrics) << metrics.error().describe();
  for (const char* series : {"shipshape_admission_judge_seconds_sum", "shipshape_admission_judge_seconds_count",
                             "shipshape_admission_judge_seconds_bucket{le=\"0.0005\"}",
                             "shipshape_admission_image_lookups_total{source=\"cache\"}",
                             "shipshape_admission_image_lookups_total{source=\"engine\"}"}) {
    auto at = metrics->body.find(std::string("\n") + series + " ");
    ASSERT_NE(at, std::string::npos) << metrics->body;
    std::printf("%s\n", metrics->body.substr(at + 1, metrics->body.find('\n', at + 1) - at - 1).c_str());
  }
  // The target is < 5 ms at p99 in a release build (README, "Admission latency"); the bound here is a guard
  // against a regression that holds with the rest of the suite running beside it. A Debug build under ASan
  // judges in ~8 ms per request on its own, so there the bound only catches the pathological.
#if defined(__SANITIZE_ADDRESS__)
  constexpr double kAddedP50BoundMs = 100;
#else
  constexpr double kAddedP50BoundMs = 15;
#endif
  EXPECT_LT(p50_with - p50_without, kAddedP50BoundMs);
  with.stop();
  without.stop();
  EXPECT_EQ(plugin.stop(), 0) << plugin.output();
}

}  // namespace
}  // namespace shipshape::testing
