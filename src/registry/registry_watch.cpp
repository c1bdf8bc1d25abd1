#include "registry/registry_watch.h"

#include <fmt/format.h>

#include "common/format.h"
#include "common/log.h"
#include "registry/docker_config.h"

namespace shipshape::registry {

namespace {
constexpr const char* kIncidentKind = "registry-auth";

std::string escapeLabel(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c == '\n' ? 'n' : c;
  }
  return out;
}
}  // namespace

bool isCredentialProblem(Status status) {
  switch (status) {
    case Status::kNoCredentials:
    case Status::kBadCredentials:
    case Status::kTokenExpired:
    case Status::kExpiresSoon:
    case Status::kInsufficientScope:
    case Status::kHelperMissing:
    case Status::kHelperFailed: return true;
    default: return false;
  }
}

RegistryWatch::RegistryWatch(store::IncidentStore& store, RegistryWatchOptions options, Clock clock)
    : store_(store), options_(std::move(options)), clock_(std::move(clock)) {
  worker_ = std::thread([this] { work(); });
}

RegistryWatch::~RegistryWatch() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void RegistryWatch::work() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    round();
    lock.lock();
    cv_.wait_for(lock, options_.every, [this] { return stopping_; });
  }
}

void RegistryWatch::round() {
  std::string dir = options_.docker_config_dir.empty() ? dockerConfigDir() : options_.docker_config_dir;
  auto config = loadDockerConfig(dir);
  if (!config) {
    SHIPSHAPE_LOG(registry, warn, "[registry] {}", config.error().describe());
    return;
  }
  std::vector<std::string> targets = options_.registries.empty() ? configuredRegistries(*config) : options_.registries;
  for (const auto& target : targets) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    Verdict v = checkRegistry(*config, {.registry = target,
                                        .insecure_registries = options_.insecure,
                                        .expiry_window = options_.expiry_window,
                                        .timeout = options_.timeout,
                                        .now = clock_() / 1000});
    record(v);
    std::lock_guard lock(mu_);
    verdicts_[v.registry] = v;
  }
}

void RegistryWatch::record(const Verdict& v) {
  std::int64_t now = clock_();
  auto open = store_.findOpen(kIncidentKind, v.registry);
  if (!open) {
    SHIPSHAPE_LOG(registry, warn, "[registry] reading incidents: {}", open.error().describe());
    return;
  }
  std::string said = std::string(statusName(v.status)) + ": " + v.detail;
  if (!isCredentialProblem(v.status)) {
    if (v.status == Status::kOk && *open) {
      (void)store_.addAction((*open)->id, {.at_ms = now, .kind = "check", .description = said, .outcome = "ok"});
      if (auto resolved = store_.resolve((*open)->id, now, "the credential works again (" + v.detail + ")");
          !resolved) {
        SHIPSHAPE_LOG(registry, warn, "[registry] resolving: {}", resolved.error().describe());
      }
    } else if (v.status != Status::kOk) {
      // The registry is down or broken: not a credential problem, and not ours to page about twice.
      SHIPSHAPE_LOG(registry, warn, "[registry] {}: {}", v.registry, said);
    }
    return;
  }
  store::Action action{.at_ms = now, .kind = "check", .description = said, .outcome = v.fix};
  if (*open) {
    // Only a change of verdict is worth an action row; the same answer every 15 minutes is not news.
    if ((*open)->actions.empty() || (*open)->actions.back().description != said) {
      (void)store_.addAction((*open)->id, action);
    }
    return;
  }
  SHIPSHAPE_LOG(registry, warn, "[registry] {}: {}", v.registry, said);
  store::Incident incident;
  incident.kind = kIncidentKind;
  incident.subject = v.registry;
  incident.situation = "registry " + v.registry + ": " + said + " (credential from " + v.credential_source + ")";
  incident.task =
      "credentials for " + v.registry + " that work for at least the next " +
      formatDurationMs(std::chrono::duration_cast<std::chrono::milliseconds>(options_.expiry_window).count()) +
      ", before a push is denied";
  incident.started_at_ms = now;
  incident.detected_at_ms = now;
  incident.actions.push_back(action);
  if (auto opened = store_.openIncident(incident); !opened) {
    SHIPSHAPE_LOG(registry, error, "[registry] cannot record the incident: {}", opened.error().describe());
  }
}

std::string RegistryWatch::metrics() const {
  std::lock_guard lock(mu_);
  if (verdicts_.empty()) return "";
  std::string out =
      "# HELP shipshape_registry_up Whether the last check of the registry's credential was ok.\n"
      "# TYPE shipshape_registry_up gauge\n";
  for (const auto& [name, v] : verdicts_) {
    out += fmt::format("shipshape_registry_up{{registry=\"{}\",status=\"{}\"}} {}\n", escapeLabel(name),
                       statusName(v.status), v.status == Status::kOk ? 1 : 0);
  }
  out +=
      "# HELP shipshape_registry_credential_expiry_seconds Seconds until the registry credential expires.\n"
      "# TYPE shipshape_registry_credential_expiry_seconds gauge\n";
  std::int64_t now = clock_() / 1000;
  for (const auto& [name, v] : verdicts_) {
    if (v.expires_at) {
      out += fmt::format("shipshape_registry_credential_expiry_seconds{{registry=\"{}\"}} {}\n", escapeLabel(name),
                         *v.expires_at - now);
    }
  }
  out +=
      "# HELP shipshape_registry_check_duration_seconds How long the last check took.\n"
      "# TYPE shipshape_registry_check_duration_seconds gauge\n";
  for (const auto& [name, v] : verdicts_) {
    out += fmt::format("shipshape_registry_check_duration_seconds{{registry=\"{}\"}} {:.3f}\n", escapeLabel(name),
                       static_cast<double>(v.duration_ms) / 1000.0);
  }
  return out;
}

std::vector<Verdict> RegistryWatch::verdicts() const {
  std::lock_guard lock(mu_);
  std::vector<Verdict> out;
  for (const auto& [name, v] : verdicts_) out.push_back(v);
  return out;
}

}  // namespace shipshape::registry
