#include "cli/watch_config.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace shipshape::cli {
namespace {

std::string write(const std::string& text) {
  std::string path = ::testing::TempDir() + "/ss-watch-config-" + std::to_string(::getpid()) + ".yaml";
  std::ofstream(path) << text;
  return path;
}

TEST(WatchConfig, ReadsEverySection) {
  auto c = loadWatchConfig(write(R"(autoheal: all
crash_loop: {deaths: 3, window: 5m, quiet: 30s}
hooks:
  drain: [["/usr/local/bin/lb", "drain"]]
listen: 127.0.0.1:9400
resources:
  interval: 500ms
  policy: enforce
  window: 20s
  host_cpu: 85%
  host_memory: 0.95
  throttle: 60%
  limits: {cpus: 1.5, memory: 1g, percentile: 90, headroom: 2, max_host_share: 25%}
swarm:
  node: abc123
  managers: ["tcp://10.0.0.2:2376", "unix:///run/mgr.sock"]
alerts: {webhook: "https://hooks.example/T/123", dedupe: 5m, max_per_minute: 3}
backups: {dir: /srv/backups, compress: gzip, restore_test_every: 7d, rescan: 1m, retry: 10m}
registries: {every: 5m, expiry_window: 48h, check: [r.example, "127.0.0.1:5000"], insecure: [10.0.0.5:5000],
             docker_config: /home/ci/.docker, enabled: true}
)"));
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_EQ(*c->autoheal, "all");
  EXPECT_EQ(*c->crash_loop_window_s, 300);
  EXPECT_EQ(*c->listen, "127.0.0.1:9400");
  EXPECT_DOUBLE_EQ(*c->interval_s, 0.5);
  EXPECT_EQ(*c->policy, "enforce");
  EXPECT_DOUBLE_EQ(*c->host_cpu, 0.85);
  EXPECT_DOUBLE_EQ(*c->host_memory, 0.95);
  EXPECT_DOUBLE_EQ(*c->throttle, 0.6);
  EXPECT_DOUBLE_EQ(*c->limit_cpus, 1.5);
  EXPECT_EQ(*c->limit_memory, 1ull << 30);
  EXPECT_DOUBLE_EQ(*c->limit_percentile, 90);
  EXPECT_DOUBLE_EQ(*c->limit_max_host_share, 0.25);
  EXPECT_TRUE(c->swarm_configured);
  EXPECT_EQ(c->swarm_node, "abc123");
  ASSERT_EQ(c->swarm_managers.size(), 2u);
  EXPECT_EQ(*c->webhook, "https://hooks.example/T/123");
  EXPECT_EQ(*c->webhook_dedupe_s, 300);
  EXPECT_EQ(*c->webhook_max_per_minute, 3);
  EXPECT_EQ(*c->backup_dir, "/srv/backups");
  EXPECT_EQ(*c->backup_compress, "gzip");
  EXPECT_EQ(*c->restore_test_every_s, 7 * 86400);
  EXPECT_EQ(*c->backup_rescan_s, 60);
  EXPECT_EQ(*c->backup_retry_s, 600);
  EXPECT_EQ(*c->registries_every_s, 300);
  EXPECT_EQ(*c->registries_expiry_window_s, 48 * 3600);
  EXPECT_EQ(c->registries_check, (std::vector<std::string>{"r.example", "127.0.0.1:5000"}));
  EXPECT_EQ(c->registries_insecure, std::vector<std::string>{"10.0.0.5:5000"});
  EXPECT_EQ(*c->registries_docker_config, "/home/ci/.docker");
  EXPECT_TRUE(*c->registries_enabled);
}

TEST(WatchConfig, BadValuesNameTheirPosition) {
  struct Case {
    const char* yaml;
    const char* expect;
  } cases[] = {
      {"resources:\n  host_cpu: 150%\n", ":2:13"},
      {"resources:\n  policy: kill\n", "policy must be alert or enforce"},
      {"resources:\n  limits:\n    memory: lots\n", ":3:13"},
      {"resources:\n  window: soon\n", "duration"},
      {"alerts:\n  webhook: ftp://x\n", "http:// or https://"},
      {"hooks:\n  drain: [[\"lb\", \"drain\"]]\n", "absolute path"},
      {"backups:\n  compress: lz4\n", ":2:13"},
      {"backups:\n  dir: relative/dir\n", "absolute path"},
      {"backups:\n  restore_test_every: weekly\n", ":2:23"},
      {"registries:\n  every: often\n", ":2:10"},
      {"registries:\n  check: r.example\n", "check must be a list"},
      {"registries:\n  enabled: yes-please\n", ":2:12"},
      {"registries:\n  docker_config: .docker\n", "absolute directory"},
  };
  for (const auto& k : cases) {
    auto c = loadWatchConfig(write(k.yaml));
    ASSERT_FALSE(c) << k.yaml;
    EXPECT_NE(c.error().describe().find(k.expect), std::string::npos) << k.yaml << " -> " << c.error().describe();
  }
}

}  // namespace
}  // namespace shipshape::cli
