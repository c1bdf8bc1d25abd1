#include "guard/starvation.h"

#include <gtest/gtest.h>

#include "guard/limit_policy.h"

namespace shipshape::guard {
namespace {

using resources::ContainerInfo;
using resources::ContainerUsage;
using resources::Snapshot;

std::shared_ptr<const ContainerInfo> container(const std::string& name, std::int64_t nano_cpus = 0,
                                               std::int64_t memory = 0, docker::Labels labels = {}) {
  auto info = std::make_shared<ContainerInfo>();
  info->id = name + "-id";
  info->name = name;
  info->nano_cpus_limit = nano_cpus;
  info->memory_limit = memory;
  info->labels = std::move(labels);
  return info;
}

ContainerUsage usage(std::shared_ptr<const ContainerInfo> info, double cores, std::uint64_t ws = 50 << 20) {
  ContainerUsage u;
  u.info = std::move(info);
  u.has_rates = true;
  u.cpu_cores = cores;
  u.raw.memory_working_set = ws;
  u.raw.memory_usage = ws;
  return u;
}

Snapshot host(std::int64_t at_ms, double busy, std::vector<ContainerUsage> containers, double mem_used = 0.3) {
  Snapshot s;
  s.at_ms = at_ms;
  s.cores = 4;
  s.host_cpu_busy = busy;
  s.has_host_rates = true;
  s.memory = {16ull << 30, static_cast<std::uint64_t>((1 - mem_used) * (16ull << 30))};
  s.containers = std::move(containers);
  return s;
}

TEST(StarvationDetector, CpuSaturationMustLastAWindowAndNamesTheHog) {
  StarvationDetector d({.window = std::chrono::milliseconds(10000)});
  auto hog = container("hog"), web = container("web", 500000000);
  for (std::int64_t t = 0; t < 10000; t += 1000) {
    EXPECT_TRUE(d.observe(host(t, 0.97, {usage(hog, 3.6), usage(web, 0.2)})).empty()) << "t=" << t;
  }
  auto started = d.observe(host(10000, 0.97, {usage(hog, 3.6), usage(web, 0.2)}));
  ASSERT_EQ(started.size(), 1u);
  EXPECT_EQ(started[0].kind, Detection::Kind::kCpuStarvation);
  EXPECT_TRUE(started[0].started);
  EXPECT_EQ(started[0].since_ms, 0);
  ASSERT_EQ(started[0].offenders.size(), 1u) << "the hog alone takes most of the busy CPU";
  EXPECT_EQ(started[0].offenders[0].info->name, "hog");
  EXPECT_NE(started[0].situation.find("hog uses 3.60 cores"), std::string::npos) << started[0].situation;
  EXPECT_NE(started[0].situation.find("no CPU limit"), std::string::npos);
  // Clear for less than half a window: still on. Then over.
  EXPECT_TRUE(d.observe(host(11000, 0.30, {})).empty());
  EXPECT_TRUE(d.observe(host(15000, 0.30, {})).empty());
  auto ended = d.observe(host(16000, 0.30, {}));
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_FALSE(ended[0].started);
}

TEST(StarvationDetector, ABriefSpikeOrAnIdleMomentResetsTheWindow) {
  StarvationDetector d({.window = std::chrono::milliseconds(5000)});
  auto hog = container("hog");
  for (std::int64_t t = 0; t <= 4000; t += 1000) EXPECT_TRUE(d.observe(host(t, 0.95, {usage(hog, 3.8)})).empty());
  EXPECT_TRUE(d.observe(host(4500, 0.50, {usage(hog, 2)})).empty());
  for (std::int64_t t = 5000; t < 10000; t += 1000) EXPECT_TRUE(d.observe(host(t, 0.95, {usage(hog, 3.8)})).empty());
  EXPECT_EQ(d.observe(host(10000, 0.95, {usage(hog, 3.8)})).size(), 1u);
}

TEST(StarvationDetector, OffendersAreJudgedOnTheWindowNotTheLastSecond) {
  StarvationDetector d({.window = std::chrono::milliseconds(3000)});
  auto hog = container("hog"), web = container("web");
  for (std::int64_t t = 0; t < 3000; t += 1000) d.observe(host(t, 0.95, {usage(hog, 3.5), usage(web, 0.2)}));
  // In the last second the hog happens to pause and web spikes.
  auto started = d.observe(host(3000, 0.95, {usage(hog, 0.5), usage(web, 3.0)}));
  ASSERT_EQ(started.size(), 1u);
  ASSERT_FALSE(started[0].offenders.empty());
  EXPECT_EQ(started[0].offenders[0].info->name, "hog");
  EXPECT_NEAR(started[0].offenders[0].cpu_cores, (3.5 * 3 + 0.5) / 4, 1e-9);
}

TEST(StarvationDetector, ManySmallContainersAreNotOffenders) {
  StarvationDetector d({.window = std::chrono::milliseconds(1000), .max_offenders = 3});
  std::vector<ContainerUsage> many;
  for (int i = 0; i < 10; ++i) many.push_back(usage(container("c" + std::to_string(i)), 0.38));
  d.observe(host(0, 0.95, many));
  auto started = d.observe(host(1000, 0.95, many));
  ASSERT_EQ(started.size(), 1u);
  EXPECT_TRUE(started[0].offenders.empty());
  EXPECT_NE(started[0].situation.find("no few containers"), std::string::npos);
}

// The offenders named when the host stays CPU-saturated with `cs` for a (1 s) window.
std::vector<std::string> cpuOffendersOf(const std::vector<ContainerUsage>& cs) {
  StarvationDetector d({.window = std::chrono::milliseconds(1000)});
  d.observe(host(0, 0.95, cs));
  auto started = d.observe(host(1000, 0.95, cs));
  EXPECT_EQ(started.size(), 1u);
  std::vector<std::string> names;
  for (const auto& detection : started) {
    for (const auto& o : detection.offenders) names.push_back(o.info->name);
  }
  return names;
}

TEST(StarvationDetector, AProtectedContainerDoesNotShieldTheHogBesideIt) {
  auto guarded = container("guarded", 0, 0, {{"shipshape.protect", "true"}});
  // The protected container alone takes more than half of the busy cores; the hog most of the rest.
  EXPECT_EQ(cpuOffendersOf({usage(guarded, 2.3), usage(container("hog"), 1.2), usage(container("web"), 0.3)}),
            (std::vector<std::string>{"guarded", "hog"}));
}

TEST(StarvationDetector, BesideAProtectedHogASmallContainerIsAVictimNotAnOffender) {
  auto guarded = container("guarded", 0, 0, {{"shipshape.protect", "true"}});
  // Named, and the guard leaves it alone; web and cron are what it starves.
  EXPECT_EQ(cpuOffendersOf({usage(guarded, 3.5), usage(container("web"), 0.2), usage(container("cron"), 0.1)}),
            (std::vector<std::string>{"guarded"}));
}

TEST(StarvationDetector, MemoryPressureNamesTheLargestWorkingSets) {
  StarvationDetector d({.window = std::chrono::milliseconds(2000)});
  auto leak = container("leak"), db = container("db", 0, 4ll << 30);
  std::vector<ContainerUsage> cs = {usage(leak, 0.1, 12ull << 30), usage(db, 0.1, 1ull << 30)};
  d.observe(host(0, 0.1, cs, 0.95));
  d.observe(host(1000, 0.1, cs, 0.95));
  auto started = d.observe(host(2000, 0.1, cs, 0.95));
  ASSERT_EQ(started.size(), 1u);
  EXPECT_EQ(started[0].kind, Detection::Kind::kMemoryStarvation);
  ASSERT_FALSE(started[0].offenders.empty());
  EXPECT_EQ(started[0].offenders[0].info->name, "leak");
}

TEST(StarvationDetector, OomKillsAreImmediateAndThrottlingIsSustained) {
  StarvationDetector d({.window = std::chrono::milliseconds(3000), .throttle_ratio = 0.5});
  auto app = container("app", 500000000, 256 << 20);
  auto u = usage(app, 0.5);
  u.raw.cpu_periods = 100;
  u.throttled_ratio = 0.8;
  u.new_oom_kills = 1;
  u.raw.oom_kills = 1;
  u.raw.memory_limit = 256 << 20;
  auto first = d.observe(host(0, 0.2, {u}));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].kind, Detection::Kind::kOomKill);
  EXPECT_EQ(first[0].subject, "app");
  u.new_oom_kills = 0;
  d.observe(host(1000, 0.2, {u}));
  d.observe(host(2000, 0.2, {u}));
  auto at3s = d.observe(host(3000, 0.2, {u}));
  bool throttled = false, oom_over = false;
  for (const auto& x : at3s) {
    throttled |= x.kind == Detection::Kind::kCpuThrottled && x.started;
    oom_over |= x.kind == Detection::Kind::kOomKill && !x.started;  // a window without a new kill
  }
  EXPECT_TRUE(throttled);
  EXPECT_TRUE(oom_over);
  // The container goes away: its throttling ends with it.
  auto gone = d.observe(host(4000, 0.2, {}));
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].kind, Detection::Kind::kCpuThrottled);
  EXPECT_FALSE(gone[0].started);
  EXPECT_EQ(gone[0].subject, "app");
}

TEST(LimitPolicy, PercentileTimesHeadroomCappedToAShareOfTheHost) {
  UsageHistory h(100);
  for (int i = 0; i < 100; ++i) h.add(i < 90 ? 0.2 : 3.9, 100 << 20);
  EXPECT_NEAR(h.cpuPercentile(50), 0.2, 1e-9);
  EXPECT_NEAR(h.cpuPercentile(95), 3.9, 1e-9);
  auto hog = container("hog");
  auto d = decideLimits(*hog, h, 100 << 20, 4, true, false, {});
  ASSERT_TRUE(d);
  EXPECT_EQ(*d->nano_cpus, 2000000000) << "min(3.9 × 1.5, 50% of 4 cores)";
  EXPECT_FALSE(d->memory);
  UsageHistory quiet(10);
  for (int i = 0; i < 10; ++i) quiet.add(0.4, 10 << 20);
  auto q = decideLimits(*hog, quiet, 10 << 20, 4, true, false, {});
  EXPECT_EQ(*q->nano_cpus, 600000000) << "0.4 × 1.5";
}

TEST(LimitPolicy, HistoryKeepsOnlyTheLastSamples) {
  UsageHistory h(3);
  for (double v : {9.0, 8.0, 1.0, 2.0, 3.0}) h.add(v, static_cast<std::uint64_t>(v));
  EXPECT_EQ(h.size(), 3u);
  EXPECT_DOUBLE_EQ(h.cpuPercentile(100), 3.0) << "9 and 8 fell out";
  EXPECT_DOUBLE_EQ(h.cpuPercentile(1), 1.0);
  EXPECT_EQ(h.memoryPercentile(100), 3u);
  EXPECT_DOUBLE_EQ(UsageHistory(5).cpuPercentile(95), 0.0) << "empty";
}

TEST(LimitPolicy, MemoryNeverBelowWhatIsInUseAndLabelsWin) {
  UsageHistory h(10);
  for (int i = 0; i < 10; ++i) h.add(0.1, 100 << 20);
  auto leak = container("leak");
  auto d = decideLimits(*leak, h, 400 << 20, 4, false, true, {});
  ASSERT_TRUE(d);
  EXPECT_EQ(*d->memory, 500 << 20) << "400 MiB in use × 1.25, not 150 MiB from history";
  EXPECT_NE(d->why.find("never below"), std::string::npos);
  auto labelled = container("svc", 0, 0, {{"shipshape.limits.cpus", "0.25"}, {"shipshape.limits.memory", "1g"}});
  auto l = decideLimits(*labelled, h, 100 << 20, 4, true, true, {.cpus = 1.0});
  ASSERT_TRUE(l);
  EXPECT_EQ(*l->nano_cpus, 250000000);
  EXPECT_EQ(*l->memory, 1ll << 30);
  auto fixed = decideLimits(*leak, h, 100 << 20, 4, true, true, {.cpus = 1.5, .memory = 256ull << 20});
  EXPECT_EQ(*fixed->nano_cpus, 1500000000);
  EXPECT_EQ(*fixed->memory, 256 << 20);
  auto bad = container("bad", 0, 0, {{"shipshape.limits.cpus", "lots"}});
  auto e = decideLimits(*bad, h, 0, 4, true, false, {});
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().describe().find("lots"), std::string::npos);
  auto limited = container("limited", 1000000000, 1 << 30);
  auto none = decideLimits(*limited, h, 0, 4, true, true, {});
  EXPECT_FALSE(none->nano_cpus);
  EXPECT_FALSE(none->memory) << "existing limits are left alone";
}

}  // namespace
}  // namespace shipshape::guard
