// `shipshape watch`'s settings: the config file (cli/watch_config.h) overlaid with the command line's flags
// and the environment (SHIPSHAPE_WEBHOOK_URL, SHIPSHAPE_LISTEN_TOKEN), resolved once
// into the options each part of the guardian takes.
#pragma once

#include <chrono>
#include <string>

#include "cli/commands.h"
#include "cli/watch_config.h"
#include "daemonwatch/daemon_guard.h"
#include "guard/resource_guard.h"
#include "heal/healer.h"
#include "notify/webhook.h"
#include "registry/registry_watch.h"
#include "volumes/backup_scheduler.h"

namespace shipshape::cli {

struct WatchSettings {
  WatchConfig config;  // as read, for the parts that take it whole (swarm)
  std::string autoheal, policy;
  heal::HealOptions heal;
  daemonwatch::DaemonGuardOptions guard;
  guard::ResourceGuardOptions resources;
  std::chrono::milliseconds interval{1000};
  std::string listen, listen_token;
  notify::WebhookOptions webhook;  // url empty: no alerts
  std::string host_root;
  std::string state_dir;
  volumes::SchedulerOptions backups;  // backup_dir: the config's, or backups/ in the state directory
  registry::RegistryWatchOptions registries;
};

// Errors: the config file's (with file:line:column), or a bad value.
Result<WatchSettings> resolveWatchSettings(const WatchOptions& options);

}  // namespace shipshape::cli
