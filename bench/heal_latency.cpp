// Heal latency: from the engine's `health_status: unhealthy` event to shipshape's restart request, over many
// trials, read from the daemon's own event timestamps and the restart actions shipshape recorded.
//   heal_latency SHIPSHAPE_BINARY [TRIALS]     (needs the shipshape/testapp:dev image and an engine)
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include "docker/client.h"
#include "store/incident_store.h"

extern char** environ;

namespace {

using namespace std::chrono_literals;

void httpGet(const std::string& url) {
  CURL* c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, +[](char*, size_t s, size_t n, void*) { return s * n; });
  curl_easy_perform(c);
  curl_easy_cleanup(c);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: heal_latency SHIPSHAPE_BINARY [TRIALS]\n");
    return 2;
  }
  int trials = argc > 2 ? std::atoi(argv[2]) : 50;
  const int parallel = 10;
  auto client = shipshape::docker::Client::fromEnvironment();
  if (!client) return std::fprintf(stderr, "%s\n", client.error().describe().c_str()), 2;
  std::string state = "/tmp/ss-heal-bench-" + std::to_string(::getpid());
  std::filesystem::remove_all(state);

  // The guardian under test.
  std::vector<std::string> watch_args = {argv[1], "watch", "--state-dir", state, "--crash-loop-deaths", "1000"};
  std::vector<char*> wargv;
  for (auto& a : watch_args) wargv.push_back(a.data());
  wargv.push_back(nullptr);
  pid_t watch_pid;
  posix_spawn(&watch_pid, wargv[0], nullptr, nullptr, wargv.data(), environ);

  // Unhealthy event times, from the engine's own clock.
  std::mutex mu;
  std::map<std::string, std::vector<std::int64_t>> unhealthy_at;  // container id -> event times (ms)
  std::atomic<bool> stop{false};
  std::thread events([&] {
    auto c = shipshape::docker::Client::fromEnvironment();
    (void)(*c)->events({.filters = {{"label", {"shipshape.bench.heal"}}, {"event", {"health_status"}}}},
                       [&](const shipshape::docker::Event& e) {
                         if (e.action == "health_status: unhealthy") {
                           std::lock_guard lock(mu);
                           unhealthy_at[e.actor_id].push_back(e.time_nano / 1000000);
                         }
                         return true;
                       },
                       &stop);
  });

  std::vector<std::string> ids;
  for (int i = 0; i < parallel; ++i) {
    shipshape::docker::ContainerSpec spec;
    spec.image = "shipshape/testapp:dev";
    spec.labels = {{"shipshape.autoheal", "true"}, {"shipshape.bench.heal", "1"}};
    spec.stop_timeout = 2;
    spec.healthcheck = shipshape::docker::HealthcheckConfig{{"CMD", "/testapp", "probe"}, 500000000, 1000000000, 0, 1};
    auto id = (*client)->createContainer(spec);
    if (!id || !(*client)->startContainer(*id)) return std::fprintf(stderr, "cannot start a container\n"), 2;
    ids.push_back(*id);
  }
  std::this_thread::sleep_for(3s);
  int rounds = (trials + parallel - 1) / parallel;
  for (int r = 0; r < rounds; ++r) {
    for (const auto& id : ids) {
      auto c = (*client)->inspectContainer(id);
      if (c && !c->networks.empty()) httpGet("http://" + c->networks[0].ip_address + ":8080/health/fail");
    }
    // Wait for every container to be restarted and healthy again before the next round.
    auto deadline = std::chrono::steady_clock::now() + 30s;
    std::this_thread::sleep_for(1500ms);
    while (std::chrono::steady_clock::now() < deadline) {
      int healthy = 0;
      for (const auto& id : ids) {
        auto c = (*client)->inspectContainer(id);
        healthy += c && c->healthStatus() == "healthy";
      }
      if (healthy == parallel) break;
      std::this_thread::sleep_for(200ms);
    }
  }
  std::this_thread::sleep_for(1s);
  kill(watch_pid, SIGTERM);
  waitpid(watch_pid, nullptr, 0);
  stop = true;
  events.join();

  // Match each restart action to the unhealthy event that caused it.
  auto store = shipshape::store::IncidentStore::open(state);
  std::vector<std::int64_t> latencies;
  auto incidents = (*store)->list();
  if (!incidents) return std::fprintf(stderr, "%s\n", incidents.error().describe().c_str()), 2;
  for (const auto& incident : *incidents) {
    for (const auto& a : incident.actions) {
      if (a.kind != "restart") continue;
      std::lock_guard lock(mu);
      const auto& times = unhealthy_at[incident.subject_id];
      std::int64_t best = -1;
      for (auto t : times) {
        if (t <= a.at_ms && (best < 0 || t > best)) best = t;
      }
      if (best >= 0) latencies.push_back(a.at_ms - best);
    }
  }
  for (const auto& id : ids) (void)(*client)->removeContainer(id, {.force = true, .volumes = true});
  std::filesystem::remove_all(state);
  if (latencies.empty()) return std::fprintf(stderr, "no restarts recorded\n"), 1;
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) { return latencies[std::min(latencies.size() - 1, static_cast<std::size_t>(p * latencies.size()))]; };
  std::printf("heal latency (unhealthy event -> restart request), %zu restarts: p50 %lld ms, p95 %lld ms, max %lld ms\n",
              latencies.size(), static_cast<long long>(pct(0.50)), static_cast<long long>(pct(0.95)),
              static_cast<long long>(latencies.back()));
  return 0;
}
