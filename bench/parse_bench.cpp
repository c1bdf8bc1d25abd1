// How fast the client turns engine bytes into typed values: an inspect document, an event line,
// a stats sample, and a multiplexed log stream.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <string>

#include "docker/parse.h"
#include "docker/stream_decoders.h"

namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(SHIPSHAPE_FIXTURES_DIR) + "/engine/v1.41/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void BM_ParseContainerInspect(benchmark::State& state) {
  const std::string json = fixture("container_inspect_limits.json");
  for (auto _ : state) benchmark::DoNotOptimize(shipshape::docker::parseContainerInspect(json));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * json.size()));
}
BENCHMARK(BM_ParseContainerInspect);

void BM_ParseEvent(benchmark::State& state) {
  std::istringstream lines(fixture("events.jsonl"));
  std::string line;
  std::getline(lines, line);
  for (auto _ : state) benchmark::DoNotOptimize(shipshape::docker::parseEvent(line));
}
BENCHMARK(BM_ParseEvent);

void BM_ParseStats(benchmark::State& state) {
  const std::string json = fixture("stats.json");
  for (auto _ : state) benchmark::DoNotOptimize(shipshape::docker::parseStats(json));
}
BENCHMARK(BM_ParseStats);

void BM_LogDemux(benchmark::State& state) {
  // 1 MiB of 100-byte log lines, alternating stdout and stderr, fed in 16 KiB socket reads.
  std::string body;
  const std::string line(99, 'x');
  for (int i = 0; body.size() < (1 << 20); ++i) {
    std::string header(8, '\0');
    header[0] = static_cast<char>(1 + (i & 1));
    header[7] = static_cast<char>(line.size() + 1);
    body += header + line + "\n";
  }
  for (auto _ : state) {
    std::size_t frames = 0;
    shipshape::docker::LogDemuxer demux(false, [&](const shipshape::docker::LogFrame&) {
      ++frames;
      return true;
    });
    for (std::size_t i = 0; i < body.size(); i += 16384) demux.feed(std::string_view(body).substr(i, 16384));
    benchmark::DoNotOptimize(frames);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_LogDemux);

}  // namespace

BENCHMARK_MAIN();
