// loadgen: the project's bounded HTTP load generator (tests/support/load_generator) as a command, for
// bench/run. Runs until SECONDS pass or SIGINT/SIGTERM, then prints one JSON object of client-side counts.
// usage: loadgen [IP:]PORT PATH CONNECTIONS RATE SECONDS   (IP defaults to 127.0.0.1; RATE 0 = unbounded)
// Only local targets: loopback, or a container's bridge address for the no-proxy baseline.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/load_generator.h"

namespace {
volatile sig_atomic_t g_stop = 0;
void onSignal(int) { g_stop = 1; }
}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: loadgen [IP:]PORT PATH CONNECTIONS RATE SECONDS\n");
    return 2;
  }
  struct sigaction sa {};
  sa.sa_handler = onSignal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  std::string target = argv[1];
  std::string host = "127.0.0.1";
  if (auto colon = target.rfind(':'); colon != std::string::npos) {
    host = target.substr(0, colon);
    target = target.substr(colon + 1);
  }
  shipshape::testing::LoadGenerator gen(host, static_cast<unsigned short>(std::atoi(target.c_str())), argv[2],
                                        std::atoi(argv[3]), std::atof(argv[4]));
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<long>(std::atof(argv[5]) * 1000));
  gen.start();
  while (!g_stop && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto stats = gen.stop();
  nlohmann::json bodies = nlohmann::json::object();
  for (const auto& [body, count] : stats.bodies) {
    std::string b = body;
    while (!b.empty() && b.back() == '\n') b.pop_back();
    bodies[b] = count;
  }
  nlohmann::json out = {{"requests", stats.requests},
                        {"failed", stats.failed},
                        {"non2xx", stats.non2xx()},
                        {"bodies", bodies},
                        {"rate", stats.rate()},
                        {"p50_ms", stats.percentileMs(50)},
                        {"p99_ms", stats.percentileMs(99)},
                        {"max_ms", stats.percentileMs(100)},
                        {"seconds", stats.seconds}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
