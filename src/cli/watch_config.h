// The guardian's YAML configuration (`shipshape watch --config FILE`); flags override it.
//
//   autoheal: labelled          # labelled | all | off
//   crash_loop: {deaths: 5, window: 300s, quiet: 120s}
//   hooks:
//     drain:   [["/usr/local/bin/lb", "drain", "node-1"]]     # each an argv, executed without a shell
//     undrain: [["/usr/local/bin/lb", "undrain", "node-1"]]
//     timeout: 30s
//   listen: 127.0.0.1:9323      # /metrics and /healthz (a non-loopback address needs a token)
//   resources:
//     interval: 1s
//     policy: alert             # alert | enforce
//     window: 10s               # how long a condition must last
//     host_cpu: 90%             # host CPU busy that counts as saturated
//     host_memory: 90%
//     throttle: 50%             # share of throttled CFS periods
//     limits:                   # what enforce gives an unlimited offender (labels shipshape.limits.* win)
//       cpus: 1.5               # fixed; or from observed usage:
//       memory: 1g
//       percentile: 95
//       headroom: 1.5
//       max_host_share: 50%     # a computed CPU limit never above this share of the host
//   swarm:                      # in a Swarm, drain this node while its engine is down (automatic when the
//     node: ID                  #   engine is a swarm node; default node: its own)
//     managers: [tcp://10.0.0.2:2376]   # asked in order when the local engine is down
//   alerts:
//     webhook: https://hooks.slack.com/services/...   # or SHIPSHAPE_WEBHOOK_URL
//     dedupe: 10m
//     max_per_minute: 10
//   backups:                    # volumes labelled shipshape.backup.schedule=@daily|@hourly|@every 6h|<cron>
//     dir: /var/backups/shipshape   # default: backups/ in the state directory
//     compress: zstd            # zstd | gzip | none
//     restore_test_every: 7d    # the newest backup restored into a scratch volume and verified
//     rescan: 30s               # labels re-read
//     retry: 5m                 # after a failed backup
//   registries:                 # registry-auth incidents before a push is denied
//     every: 15m                # how often each registry's credential is checked
//     expiry_window: 24h        # a credential expiring sooner opens an incident
//     check: [registry.example.com, 127.0.0.1:5000]   # default: every registry in the docker config
//     insecure: [10.0.0.5:5000] # plain HTTP allowed (loopback always is)
//     docker_config: /home/ci/.docker   # default: $DOCKER_CONFIG or ~/.docker of the guardian's user
//     enabled: true
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace shipshape::cli {

struct WatchConfig {
  std::optional<std::string> autoheal;
  std::optional<int> crash_loop_deaths;
  std::optional<double> crash_loop_window_s, crash_loop_quiet_s, hook_timeout_s;
  std::vector<std::vector<std::string>> drain_hooks, undrain_hooks;

  std::optional<std::string> listen;
  std::optional<double> interval_s, window_s;
  std::optional<std::string> policy;
  std::optional<double> host_cpu, host_memory, throttle;  // ratios 0..1
  std::optional<double> limit_cpus, limit_percentile, limit_headroom, limit_max_host_share;
  std::optional<std::uint64_t> limit_memory;
  bool swarm_configured = false;
  std::string swarm_node;
  std::vector<std::string> swarm_managers;
  std::optional<std::string> webhook;
  std::optional<double> webhook_dedupe_s;
  std::optional<int> webhook_max_per_minute;
  std::optional<std::string> backup_dir, backup_compress;
  std::optional<double> backup_rescan_s, backup_retry_s, restore_test_every_s;
  std::optional<bool> registries_enabled;
  std::optional<double> registries_every_s, registries_expiry_window_s;
  std::vector<std::string> registries_check, registries_insecure;
  std::optional<std::string> registries_docker_config;
};

// Errors carry file:line:column.
Result<WatchConfig> loadWatchConfig(const std::string& path);

}  // namespace shipshape::cli
