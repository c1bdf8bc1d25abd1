#include "cli/watch_settings.h"

#include <cstdlib>

#include "common/file.h"
#include "notify/webhook.h"
#include "serve/listen_token.h"
#include "store/incident_store.h"
#include "volumes/backup.h"

namespace shipshape::cli {
namespace {

std::chrono::milliseconds ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

Result<WatchSettings> resolveWatchSettings(const WatchOptions& o) {
  WatchSettings s;
  if (!o.config.empty()) {
    auto loaded = loadWatchConfig(o.config);
    if (!loaded) return fail(loaded.error());
    s.config = *loaded;
  }
  const WatchConfig& c = s.config;

  s.autoheal = !o.autoheal.empty() ? o.autoheal : c.autoheal.value_or("labelled");
  if (!heal::parseAutohealMode(s.autoheal, &s.heal.mode)) {
    return fail(ErrorCode::kInvalidArgument, "autoheal must be labelled, all or off, not '" + s.autoheal + "'");
  }
  s.heal.crash_loop_deaths = o.crash_loop_deaths > 0 ? o.crash_loop_deaths : c.crash_loop_deaths.value_or(5);
  s.heal.crash_loop_window = ms(o.crash_loop_window_s > 0 ? o.crash_loop_window_s : c.crash_loop_window_s.value_or(300));
  s.heal.crash_loop_quiet = ms(o.crash_loop_quiet_s > 0 ? o.crash_loop_quiet_s : c.crash_loop_quiet_s.value_or(120));

  s.guard.drain_hooks = c.drain_hooks;
  s.guard.undrain_hooks = c.undrain_hooks;
  for (const auto& h : o.drain_hooks) s.guard.drain_hooks.push_back({h});
  for (const auto& h : o.undrain_hooks) s.guard.undrain_hooks.push_back({h});
  if (c.hook_timeout_s) s.guard.hook_timeout = ms(*c.hook_timeout_s);

  s.policy = !o.policy.empty() ? o.policy : c.policy.value_or("alert");
  if (!guard::parseResourcePolicy(s.policy, &s.resources.policy)) {
    return fail(ErrorCode::kInvalidArgument, "policy must be alert or enforce, not '" + s.policy + "'");
  }
  if (c.window_s) s.resources.starvation.window = ms(*c.window_s);
  if (c.host_cpu) s.resources.starvation.host_cpu = *c.host_cpu;
  if (c.host_memory) s.resources.starvation.host_memory = *c.host_memory;
  if (c.throttle) s.resources.starvation.throttle_ratio = *c.throttle;
  s.resources.limits.cpus = c.limit_cpus;
  s.resources.limits.memory = c.limit_memory;
  if (c.limit_percentile) s.resources.limits.percentile = *c.limit_percentile;
  if (c.limit_headroom) s.resources.limits.headroom = *c.limit_headroom;
  if (c.limit_max_host_share) s.resources.limits.max_host_cpu_share = *c.limit_max_host_share;
  s.interval = ms(o.interval_s > 0 ? o.interval_s : c.interval_s.value_or(1.0));

  s.listen = !o.listen.empty() ? o.listen : c.listen.value_or("");
  if (!s.listen.empty()) {
    auto token = serve::readListenToken(o.listen_token_file);
    if (!token) return fail(token.error());
    s.listen_token = *token;
  }
  // The webhook URL is a credential (Slack's are): from the config file or the environment, never a flag.
  s.webhook.url = !env("SHIPSHAPE_WEBHOOK_URL").empty() ? env("SHIPSHAPE_WEBHOOK_URL") : c.webhook.value_or("");
  if (!s.webhook.url.empty()) {
    if (auto ok = notify::checkWebhookUrl(s.webhook.url); !ok) return fail(ok.error().wrap("the alert webhook"));
  }
  if (c.webhook_dedupe_s) s.webhook.dedupe_window = ms(*c.webhook_dedupe_s);
  if (c.webhook_max_per_minute) s.webhook.max_per_minute = *c.webhook_max_per_minute;

  s.host_root = o.host_root;  // empty: HostPaths::detect reads SHIPSHAPE_HOST_ROOT
  s.state_dir = o.state_dir.empty() ? store::defaultStateDir() : o.state_dir;
  s.backups.backup_dir = c.backup_dir.value_or(volumes::defaultBackupDir(s.state_dir));
  if (c.backup_compress) {
    if (auto z = volumes::parseCompression(*c.backup_compress)) s.backups.compression = *z;
  }
  if (c.backup_rescan_s) s.backups.rescan_ms = ms(*c.backup_rescan_s).count();
  if (c.backup_retry_s) s.backups.retry_ms = ms(*c.backup_retry_s).count();
  if (c.restore_test_every_s) s.backups.restore_test_every_ms = ms(*c.restore_test_every_s).count();
  if (c.registries_enabled) s.registries.enabled = *c.registries_enabled;
  if (c.registries_every_s) s.registries.every = ms(*c.registries_every_s);
  if (c.registries_expiry_window_s) {
    s.registries.expiry_window = std::chrono::seconds(static_cast<std::int64_t>(*c.registries_expiry_window_s));
  }
  s.registries.registries = c.registries_check;
  s.registries.insecure = c.registries_insecure;
  s.registries.docker_config_dir = c.registries_docker_config.value_or("");
  return s;
}

}  // namespace shipshape::cli
