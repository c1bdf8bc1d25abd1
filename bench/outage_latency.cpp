// Daemon outage timings: a private dockerd guarded by `shipshape watch` is killed with SIGKILL and started
// again, TRIALS times. For each: from the kill to the daemon-down incident being recorded (detected_at), and
// from the daemon answering again to the incident being closed (resolved_at), read from the incident store.
//   outage_latency SHIPSHAPE_BINARY [TRIALS]     (root; starts its own daemon in its own network namespace)
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <vector>

#include "common/format.h"
#include "store/incident_store.h"
#include "support/private_daemon.h"

extern char** environ;

namespace {

using namespace std::chrono_literals;

double percentile(std::vector<std::int64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t i = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return static_cast<double>(v[std::min(i, v.size() - 1)]);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: outage_latency SHIPSHAPE_BINARY [TRIALS]\n");
    return 2;
  }
  int trials = argc > 2 ? std::atoi(argv[2]) : 10;
  std::string state = "/tmp/ss-outage-bench-" + std::to_string(::getpid());
  std::filesystem::remove_all(state);
  shipshape::testing::PrivateDaemon daemon;
  if (auto s = daemon.start(); !s) return std::fprintf(stderr, "%s\n", s.error().describe().c_str()), 2;

  std::vector<std::string> args = {argv[1], "-H", daemon.host(), "watch", "--state-dir", state, "--log-level", "error"};
  std::vector<char*> cargs;
  for (auto& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  pid_t watch = 0;
  std::filesystem::create_directories(state);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, (state + "/watch.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int spawned = posix_spawn(&watch, argv[1], &actions, nullptr, cargs.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return 2;
  std::this_thread::sleep_for(2s);
  auto store = shipshape::store::IncidentStore::open(state);
  if (!store) return std::fprintf(stderr, "%s\n", store.error().describe().c_str()), 2;

  auto outages = [&] {
    std::vector<shipshape::store::Incident> out;
    if (auto all = (*store)->list()) {
      for (const auto& i : *all) {
        if (i.kind == "daemon-down") out.push_back(i);
      }
    }
    return out;
  };
  std::vector<std::int64_t> to_open, to_close;
  for (int t = 0; t < trials; ++t) {
    std::this_thread::sleep_for(1s);
    std::int64_t killed = shipshape::nowMs();
    daemon.kill9();
    auto deadline = std::chrono::steady_clock::now() + 15s;
    while (outages().size() < static_cast<std::size_t>(t + 1) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    auto list = outages();
    if (list.size() < static_cast<std::size_t>(t + 1)) {
      std::fprintf(stderr, "trial %d: no incident within 15 s\n", t + 1);
      break;
    }
    auto newest = [](const std::vector<shipshape::store::Incident>& l) {
      return *std::max_element(l.begin(), l.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    };
    to_open.push_back(newest(list).detected_at_ms - killed);
    if (auto s = daemon.start(); !s) return std::fprintf(stderr, "%s\n", s.error().describe().c_str()), 2;
    std::int64_t answering = shipshape::nowMs();  // start() returns once /_ping answers (polled every 100 ms)
    deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto l = outages();
      if (!l.empty() && newest(l).resolved_at_ms) {
        to_close.push_back(*newest(l).resolved_at_ms - answering);
        break;
      }
      std::this_thread::sleep_for(20ms);
    }
  }
  ::kill(watch, SIGTERM);
  ::waitpid(watch, nullptr, 0);
  std::printf("   %zu outages (kill -9, restart) of a private dockerd guarded by shipshape watch\n", to_open.size());
  std::printf("   kill -9 -> incident open:        p50 %4.0f ms  p95 %4.0f ms  max %4.0f ms\n", percentile(to_open, 50),
              percentile(to_open, 95), percentile(to_open, 100));
  std::printf("   daemon answers -> incident closed: p50 %4.0f ms  p95 %4.0f ms  max %4.0f ms  (negative: closed before\n"
              "   the benchmark's own 100 ms ping poll saw the daemon back)\n",
              percentile(to_close, 50), percentile(to_close, 95), percentile(to_close, 100));
  std::filesystem::remove_all(state);
  return to_open.size() == static_cast<std::size_t>(trials) ? 0 : 1;
}
