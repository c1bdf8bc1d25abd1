// Scenario 1, resource starvation: a web container answers a steady client while a batch container with no
// limits starts burning every core. The guardian's own parts — the Sampler (cgroup files) and the
// ResourceGuard under the `enforce` policy, with a 3 s window — find the hog, limit it through the Engine API
// and record the incident. The web's p99 is measured before, during and after, from the client's side.
#include <algorithm>
#include <thread>

#include "common/format.h"
#include "guard/resource_guard.h"
#include "lab/scenarios.h"
#include "resources/sampler.h"
#include "store/incident_store.h"

namespace shipshape::lab {
namespace {

constexpr auto kServeDeadline = std::chrono::seconds(30);
constexpr auto kRepairDeadline = std::chrono::seconds(60);

// Milliseconds of each request, `n` of them at a steady 50 per second — a client, not a second hog (a failed
// request counts as the timeout).
std::vector<double> latencies(const std::string& url, int n) {
  std::vector<double> out;
  auto next = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    std::this_thread::sleep_until(next);  // pacing the client's rate
    next += std::chrono::milliseconds(20);
    auto t0 = std::chrono::steady_clock::now();
    auto answer = httpCall("GET", url, "", std::chrono::seconds(2));
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    out.push_back(answer.status == 200 ? ms : 2000.0);
  }
  return out;
}

double p99(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(0.99 * static_cast<double>(v.size())))];
}

std::string ms(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", v);
  return buf;
}

class Starvation {
 public:
  explicit Starvation(LabContext& ctx) : ctx_(ctx), client_(ctx.client()) {}

  ScenarioResult run() {
    r_.situation =
        "A web container serves a steady client; a batch job in a container with no CPU or memory "
        "limit starts and burns every core of the host.";
    r_.task =
        "Give the web its CPU back without a human: find the hog, limit it, and show the web's latency "
        "before, during and after.";
    if (auto ok = stage(); !ok) return failed(ok.error());
    return r_;
  }

 private:
  void act(const std::string& what) {
    r_.actions.push_back({nowMs(), what});
    ctx_.say("starvation: " + what);
  }

  ScenarioResult failed(const Error& e) {
    r_.status = ScenarioResult::Status::kFailed;
    r_.result = "stopped: " + e.describe();
    return r_;
  }

  Result<void> stage() {
    std::string web = ctx_.name("web"), batch = ctx_.name("batch");
    if (auto id = ctx_.startWorkload(web, ctx_.workloadSpec()); !id) return fail(id.error());
    auto web_url = ctx_.waitServing(web, kServeDeadline);
    if (!web_url) return fail(web_url.error());
    double before = p99(latencies(*web_url + "/", 200));
    act("web " + web + " serving; p99 " + ms(before) + " over 200 requests");

    auto store = store::IncidentStore::open(ctx_.workDir() + "/starvation-state");
    if (!store) return fail(store.error());
    resources::Sampler sampler(client_,
                               {.host = resources::HostPaths::detect(), .only_label = "shipshape.lab=" + ctx_.runId()});
    guard::ResourceGuardOptions options;
    options.policy = guard::ResourcePolicy::kEnforce;
    options.starvation.window = std::chrono::seconds(3);
    guard::ResourceGuard guard(client_, **store, options, nowMs,
                               [&](const std::string& id) { sampler.markChanged(id); });
    (void)sampler.sample();  // the first sample only sets the baseline for rates

    if (auto id = ctx_.startWorkload(batch, ctx_.workloadSpec()); !id) return fail(id.error());
    auto batch_url = ctx_.waitServing(batch, kServeDeadline);
    if (!batch_url) return fail(batch_url.error());
    unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    // The burn runs inside the container for 60 s; the request returns at once only when asked to: the burn
    // endpoint answers after it, so it is started from a thread of ours that the scenario joins.
    std::thread burner([url = *batch_url, cores] {
      (void)httpCall("GET", url + "/burn?ms=60000&threads=" + std::to_string(cores), "", std::chrono::seconds(70));
    });
    // Whichever way this function ends, the batch container goes first (ending the burn and the request),
    // then the thread is joined.
    struct StopAndJoin {
      docker::Client& client;
      std::string container;
      std::thread& t;
      ~StopAndJoin() {
        (void)client.removeContainer(container, {.force = true, .volumes = true});
        t.join();
      }
    } join{client_, batch, burner};
    sampler.markDirty();  // what the guardian does on the engine's start event
    std::int64_t hog_at = nowMs();
    act("batch " + batch + " (no limits) burns " + std::to_string(cores) + " cores");

    // The guardian's loop, at 500 ms, with the client measuring the web between samples.
    std::vector<double> during;
    std::optional<std::int64_t> detected_at, limited_at;
    auto until = std::chrono::steady_clock::now() + kRepairDeadline;
    while (std::chrono::steady_clock::now() < until && !ctx_.stopping()) {
      auto lat = latencies(*web_url + "/", 10);
      if (!limited_at) during.insert(during.end(), lat.begin(), lat.end());
      guard.observe(sampler.sample());
      auto open = (*store)->findOpen("cpu-starvation", "host");
      if (!detected_at && open && *open) {
        detected_at = (*open)->detected_at_ms;
        r_.detected = true;
        r_.detect_ms = *detected_at - hog_at;
        act("detected: cpu-starvation incident: " + (*open)->situation);
      }
      auto inspected = client_.inspectContainer(batch);
      if (detected_at && !limited_at && inspected && (inspected->host_config.nano_cpus > 0)) {
        limited_at = nowMs();
        act("limited: " + batch + " now has " + std::to_string(inspected->host_config.nano_cpus / 1e9).substr(0, 4) +
            " CPUs (Engine API update, policy enforce)");
      }
      if (limited_at && open && !*open) {
        r_.repaired = true;
        r_.recover_ms = nowMs() - *detected_at;
        act("recovered: host CPU back under 90 %, incident resolved");
        break;
      }
    }
    double after = p99(latencies(*web_url + "/", 200));
    r_.measurements = {
        {"web p99 before", ms(before)}, {"web p99 during", ms(p99(during))}, {"web p99 after", ms(after)}};
    act("web p99 after: " + ms(after));
    r_.status = r_.detected && r_.repaired ? ScenarioResult::Status::kRepaired : ScenarioResult::Status::kFailed;
    r_.result = r_.repaired ? "The hog was found " + formatDurationMs(*r_.detect_ms) +
                                  " after it started and limited; "
                                  "the host was healthy " +
                                  formatDurationMs(*r_.recover_ms) +
                                  " after detection. "
                                  "Web p99 " +
                                  ms(before) + " before, " + ms(p99(during)) + " during, " + ms(after) + " after."
                            : std::string(r_.detected ? "Detected, but not repaired within 60 s."
                                                      : "Not detected within 60 s.");
    return {};
  }

  LabContext& ctx_;
  docker::Client& client_;
  ScenarioResult r_;
};

}  // namespace

ScenarioResult runStarvation(LabContext& ctx) { return Starvation(ctx).run(); }

}  // namespace shipshape::lab
